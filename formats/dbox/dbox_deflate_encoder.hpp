#pragma once
// The DboxBodyEncoder that compresses a body as Dovecot's zlib plugin does
// inside dbox files (the header's size is then the compressed size and Z
// the plain one); built from the `zlib_save` settings.
#include <string>

#include "formats/dbox/dbox_message_writer.hpp"
#include "lib/compress/deflater.hpp"

namespace roost {

class DboxDeflateEncoder : public DboxBodyEncoder {
 public:
  DboxDeflateEncoder(Compression format, int level);
  void write(std::string_view plain, std::string& out) override;
  void finish(std::string& out) override;

 private:
  std::string* out_ = nullptr;
  Deflater deflater_;
};

}  // namespace roost
