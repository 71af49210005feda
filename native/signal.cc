// Placeholder: the signal family lands with its issue.
#include "addon.h"

namespace posixkit {

void InitSignal(Napi::Env env, Napi::Object exports) {}

}  // namespace posixkit
