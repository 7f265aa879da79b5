#include "cli/verify_report.hpp"

#include <iomanip>

namespace roost::cli {

namespace {

nlohmann::json difference_json(const Difference& d) {
  nlohmann::json j = {{"kind", difference_kind_name(d.kind)}, {"mailbox", d.mailbox}};
  if (d.uid) j["uid"] = d.uid;
  if (d.uid_b) j["uid_b"] = d.uid_b;
  if (!d.guid.empty()) j["guid"] = d.guid;
  j["a"] = d.a;
  j["b"] = d.b;
  return j;
}

std::string quoted(const std::string& s) {
  return s.empty() ? "(none)" : "\"" + s + "\"";
}

std::string describe(const Difference& d) {
  std::string where = d.mailbox;
  if (d.uid) where += " uid " + std::to_string(d.uid);
  if (!d.guid.empty()) where += " (guid " + d.guid + ")";
  switch (d.kind) {
    case DifferenceKind::kMailboxOnlyA:
      return d.mailbox + ": mailbox only in A (" + d.a + ")";
    case DifferenceKind::kMailboxOnlyB:
      return d.mailbox + ": mailbox only in B (" + d.b + ")";
    case DifferenceKind::kMessageOnlyA:
      return where + ": message only in A";
    case DifferenceKind::kMessageOnlyB:
      return where + ": message only in B";
    case DifferenceKind::kUid:
      return where + ": same message under uid " + std::to_string(d.uid_b) + " in B";
    case DifferenceKind::kSubscriptionOnlyA:
      return d.mailbox + ": subscribed only in A";
    case DifferenceKind::kSubscriptionOnlyB:
      return d.mailbox + ": subscribed only in B";
    default:
      break;
  }
  return where + ": " + difference_kind_name(d.kind) + " differ: A " + quoted(d.a) + ", B " +
         quoted(d.b);
}

}  // namespace

nlohmann::json verify_report_json(const VerifyRun& run) {
  const VerifyReport& r = run.report;
  nlohmann::json j;
  if (!run.user.empty()) j["user"] = run.user;
  j["a"] = run.a;
  j["b"] = run.b;
  j["identical"] = r.identical();
  j["compared"] = {{"bodies", run.options.bodies},
                   {"flags", run.options.flags},
                   {"dates", run.options.dates},
                   {"message_guids", r.message_guids_compared},
                   {"mailbox_guids", run.options.mailbox_guids}};
  uint64_t messages_a = 0, messages_b = 0;
  nlohmann::json boxes = nlohmann::json::array();
  for (const auto& m : r.mailboxes) {
    messages_a += m.messages_a;
    messages_b += m.messages_b;
    nlohmann::json b = {{"name", m.name},
                        {"in_a", m.in_a},
                        {"in_b", m.in_b},
                        {"messages_a", m.messages_a},
                        {"messages_b", m.messages_b},
                        {"differences", m.differences}};
    if (m.in_a) {
      b["guid_a"] = m.guid_a;
      b["uidvalidity_a"] = m.uidvalidity_a;
    }
    if (m.in_b) {
      b["guid_b"] = m.guid_b;
      b["uidvalidity_b"] = m.uidvalidity_b;
    }
    boxes.push_back(std::move(b));
  }
  j["totals"] = {{"mailboxes", r.mailboxes.size()},
                 {"messages_a", messages_a},
                 {"messages_b", messages_b},
                 {"messages_compared", r.messages_compared},
                 {"bodies_compared", r.bodies_compared},
                 {"bytes_hashed", r.bytes_hashed},
                 {"differences", r.total_differences},
                 {"differences_listed", r.differences.size()},
                 {"seconds", run.seconds}};
  j["mailboxes"] = std::move(boxes);
  nlohmann::json diffs = nlohmann::json::array();
  for (const auto& d : r.differences) diffs.push_back(difference_json(d));
  j["differences"] = std::move(diffs);
  return j;
}

void print_verify_text(std::ostream& out, const VerifyRun& run, bool verbose) {
  const VerifyReport& r = run.report;
  std::string who = run.user.empty() ? "" : run.user + ": ";
  if (verbose) {
    out << who << "A = " << run.a << "\n" << who << "B = " << run.b << "\n";
    for (const auto& m : r.mailboxes)
      out << who << m.name << ": " << m.messages_a << " / " << m.messages_b << " messages, "
          << m.differences << " difference" << (m.differences == 1 ? "" : "s") << "\n";
  }
  for (const auto& d : r.differences) out << who << describe(d) << "\n";
  if (r.total_differences > r.differences.size())
    out << who << "... " << (r.total_differences - r.differences.size())
        << " more differences not listed\n";
  out << who << (r.identical() ? "identical" : "DIFFERENT") << ": " << r.mailboxes.size()
      << " mailboxes, " << r.messages_compared << " messages compared"
      << (run.options.bodies ? " with bodies" : " (metadata only)");
  if (!r.identical()) out << ", " << r.total_differences << " differences";
  out << "\n";
  if (verbose) {
    double s = run.seconds > 0 ? run.seconds : 1e-9;
    out << who << std::fixed << std::setprecision(2) << run.seconds << " s, "
        << std::setprecision(0) << static_cast<double>(r.messages_compared) / s << " messages/s, "
        << std::setprecision(1) << static_cast<double>(r.bytes_hashed) / s / (1024.0 * 1024.0)
        << " MiB/s hashed\n";
    out.unsetf(std::ios::floatfield);
  }
}

}  // namespace roost::cli
