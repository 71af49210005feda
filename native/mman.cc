// Placeholder: the mman family lands with its issue.
#include "addon.h"

namespace posixkit {

void InitMman(Napi::Env env, Napi::Object exports) {}

}  // namespace posixkit
