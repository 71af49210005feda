// Placeholder: the socket family lands with its issue.
#include "addon.h"

namespace posixkit {

void InitSocket(Napi::Env env, Napi::Object exports) {}

}  // namespace posixkit
