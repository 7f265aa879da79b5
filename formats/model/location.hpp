#pragma once
#include <map>
#include <string>

#include "lib/compress/save_compression.hpp"

namespace roost {

// A parsed and variable-expanded mail_location, e.g.
// "maildir:~/Maildir:INDEX=/var/idx/%u:LAYOUT=fs".
struct MailLocation {
  std::string format;   // "maildir", "mbox", "sdbox", "mdbox", "auto", "imapc"...
  std::string root;     // the mail root directory (absolute after expansion)
  std::string index;    // INDEX= ("" = same as the mailbox dir; "MEMORY" = in memory)
  std::string control;  // CONTROL= ("" = root)
  std::string alt;      // ALT= (dbox)
  std::string inbox;    // INBOX= (mbox/fs layouts)
  std::string layout;   // LAYOUT= ("" = the format's default: maildir++ for Maildir, fs otherwise)
  std::string subscriptions;  // SUBSCRIPTIONS= file name ("" = "subscriptions")
  bool utf8 = false;    // UTF8 option: names on disk in UTF-8 instead of modified UTF-7
  bool full_dirname = false;
  std::map<std::string, std::string> extra;  // any other KEY=value, kept for the driver

  std::string to_string() const;  // back to mail_location syntax
};

// Settings the storage drivers read (a subset of dovecot.conf).
struct StorageSettings {
  char separator = 0;  // namespace hierarchy separator; 0 = the layout's default
  bool fsync = true;   // fsync_mode != never
  // zlib plugin settings: how saves compress (reads always decompress).
  SaveCompression save_compression;
  // mail_attribute_dict with its %-variables expanded ("" = unset: the
  // attributes go to <list dir>/dovecot-attributes); formats/list's
  // attribute_dict_setting.hpp reads it. `home`: the user's home, where
  // "~" and relative dict paths start ("" = none).
  std::string attribute_dict;
  std::string home;
  std::map<std::string, std::string> settings;  // raw settings a driver may look at
};

}  // namespace roost
