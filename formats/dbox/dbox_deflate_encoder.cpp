#include "formats/dbox/dbox_deflate_encoder.hpp"

namespace roost {

DboxDeflateEncoder::DboxDeflateEncoder(Compression format, int level)
    : deflater_(format, level, [this](std::string_view bytes) { out_->append(bytes); }) {}

void DboxDeflateEncoder::write(std::string_view plain, std::string& out) {
  out_ = &out;
  deflater_.write(plain);
}

void DboxDeflateEncoder::finish(std::string& out) {
  out_ = &out;
  deflater_.finish();
}

}  // namespace roost
