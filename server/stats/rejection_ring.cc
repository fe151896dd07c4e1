#include "rejection_ring.h"

namespace sockd::stats {

void RejectionRing::add(Rejection rejection) {
  for (std::string* text : {&rejection.client, &rejection.request, &rejection.reason})
    if (text->size() > kMaxText) text->resize(kMaxText);
  ring_[next_] = std::move(rejection);
  next_ = (next_ + 1) % kCapacity;
  if (size_ < kCapacity) ++size_;
}

std::vector<Rejection> RejectionRing::entries() const {
  std::vector<Rejection> out;
  out.reserve(size_);
  for (size_t i = 0; i < size_; ++i)
    out.push_back(ring_[(next_ + kCapacity - size_ + i) % kCapacity]);
  return out;
}

}  // namespace sockd::stats
