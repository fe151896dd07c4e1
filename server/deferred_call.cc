#include "deferred_call.h"

namespace sockd {

bool DeferredCall::schedule(event_base* base, Function function, void* owner) {
  function_ = function;
  owner_ = owner;
  event_.reset(event_new(base, -1, 0, &DeferredCall::on_event, this));
  if (!event_) return false;
  event_active(event_.get(), EV_TIMEOUT, 1);
  return true;
}

void DeferredCall::on_event(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<DeferredCall*>(arg);
  self->event_.reset();           // freeing the running event's struct is safe in one thread
  self->function_(self->owner_);  // may destroy the owner, and *this with it
}

}  // namespace sockd
