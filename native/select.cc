// Placeholder: the select family lands with its issue.
#include "addon.h"

namespace posixkit {

void InitSelect(Napi::Env env, Napi::Object exports) {}

}  // namespace posixkit
