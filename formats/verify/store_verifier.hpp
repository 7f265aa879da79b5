#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "formats/model/storage.hpp"

namespace roost {

// Proves (or disproves) that two stores hold the same mail, through the
// storage model only, so any pair of drivers can be compared: a live store
// and its backup, the two sides of a sync, a store before and after a
// migration. Mailboxes are matched by name, messages by UID.

struct VerifyOptions {
  bool bodies = true;         // false: metadata only, no message file is opened
  bool flags = true;          // false: system flags and keywords are not compared
  bool dates = true;          // false: received dates (INTERNALDATE) are not compared
  bool mailbox_guids = true;  // false: mailbox GUIDs are not compared
  // IMAP patterns ('*', '%') on mailbox names: only these mailboxes (and
  // subscriptions to them) are compared. Empty: everything.
  std::vector<std::string> mailbox_patterns;
  size_t max_listed = 1000;      // differences kept in the report (all are counted)
  size_t buffer_size = 1 << 20;  // read buffer for message bodies
};

enum class DifferenceKind {
  kMailboxOnlyA,  // mailbox exists (selectable) only in A
  kMailboxOnlyB,
  kMailboxGuid,  // same name, different mailbox GUID
  kUidValidity,
  kMessageOnlyA,  // UID present only in A
  kMessageOnlyB,
  kUid,    // the same message GUID under different UIDs
  kGuid,   // same UID, different message GUID
  kFlags,  // system flags (\Recent is never compared)
  kKeywords,
  kSize,               // virtual size (lines counted with CRLF)
  kReceivedDate,       // INTERNALDATE, unix seconds
  kBody,               // message text differs (or can't be read on one side)
  kSubscriptionOnlyA,  // subscribed only in A
  kSubscriptionOnlyB,
};
// Stable names used in reports: "mailbox-only-a", "flags", "body", ...
const char* difference_kind_name(DifferenceKind kind);

struct Difference {
  DifferenceKind kind;
  std::string mailbox;  // A's spelling
  uint32_t uid = 0;     // the message's UID (in A, or on the only side)
  uint32_t uid_b = 0;   // kUid: the UID in B
  std::string guid;     // message GUID (A's, or the only side's)
  std::string a, b;     // what each side has, as text ("" when absent)
};

struct MailboxReport {
  std::string name;  // A's spelling
  bool in_a = false, in_b = false;
  std::string guid_a, guid_b;
  uint32_t uidvalidity_a = 0, uidvalidity_b = 0;
  uint32_t messages_a = 0, messages_b = 0;
  uint64_t differences = 0;
  uint64_t bodies_compared = 0;
};

struct VerifyReport {
  std::vector<MailboxReport> mailboxes;
  std::vector<Difference> differences;  // the first VerifyOptions::max_listed
  uint64_t total_differences = 0;
  uint64_t messages_compared = 0;  // UIDs present on both sides
  uint64_t bodies_compared = 0;
  uint64_t bytes_hashed = 0;            // raw bytes read, both sides
  bool message_guids_compared = false;  // every mailbox pair compared kept message GUIDs
  bool identical() const { return total_differences == 0; }
};

class StoreVerifier {
 public:
  StoreVerifier(MailStorage& a, MailStorage& b, VerifyOptions options);
  // Called after each mailbox (progress output).
  void on_mailbox(std::function<void(const MailboxReport&)> fn) { progress_ = std::move(fn); }
  // Compares everything the options select. Errors reading either store
  // (permissions, broken files) are thrown, never reported as differences;
  // a message listed by the index whose file is gone is a kBody difference.
  VerifyReport run();
  // Compares one mailbox pair (both exist) into `report`.
  void compare_mailbox(const std::string& name, Mailbox& a, Mailbox& b, VerifyReport& report,
                       MailboxReport& box);

 private:
  void add(VerifyReport& report, MailboxReport* box, Difference d) const;
  // Metadata of both record lists (no message opened); `common` gets the
  // UIDs present on both sides, for the body pass.
  void compare_records(const std::string& name, const std::vector<MessageRecord>& ra,
                       const std::vector<MessageRecord>& rb, bool guids, VerifyReport& report,
                       MailboxReport& box, std::vector<std::pair<uint32_t, std::string>>& common);
  void compare_bodies(const std::string& name, Mailbox& a, Mailbox& b,
                      const std::vector<std::pair<uint32_t, std::string>>& common,
                      VerifyReport& report, MailboxReport& box);
  bool selected(const std::string& name) const;

  MailStorage& a_;
  MailStorage& b_;
  VerifyOptions options_;
  std::function<void(const MailboxReport&)> progress_;
  std::vector<char> buffer_;  // one read buffer for every message
};

}  // namespace roost
