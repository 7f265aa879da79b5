// Save / copy / flag change / expunge / ALT mark on an mdbox mailbox.
//
// Commit order, chosen so a kill at any instant loses no committed message
// and never lets a refcount drop below the real number of references:
//   1. the new messages' bytes are appended to m.* files and fsynced;
//   2. the map gets their entries (refcount 1) and copies' refcounts +1;
//   3. the mailbox index gets the records, flag changes and expunges;
//   4. the map's refcounts of expunged messages go -1.
// A kill after 1 leaves bytes no map entry names (the next appender cuts
// them); after 2 or 3, refcounts that are too high (space kept until a
// force-resync recounts them). Everything runs under the storage lock.
#include <ctime>
#include <map>
#include <set>

#include "formats/dbox/mdbox_appender.hpp"
#include "formats/dbox/mdbox_mailbox.hpp"
#include "formats/dbox/mdbox_storage.hpp"
#include "formats/model/expunge_key.hpp"
#include "lib/error.hpp"

namespace roost {

namespace {

class MdboxTransaction : public MailTransaction {
 public:
  explicit MdboxTransaction(MdboxMailbox& box) : box_(box), storage_(box.storage()) {}
  ~MdboxTransaction() override { rollback(); }

  uint32_t save(std::istream& message, const SaveRequest& req) override {
    take_lock();
    if (!appender_)
      appender_ = std::make_unique<MdboxAppender>(storage_, storage_.storage_dir(), true);
    Pending p;
    p.rec = record_for(req);
    DboxMetadata meta;
    meta.set_received_time(p.rec.received_date);
    if (!req.pop3_uidl.empty()) meta.set_pop3_uidl(req.pop3_uidl);
    if (req.pop3_order) meta.set_pop3_order(req.pop3_order);
    meta.set_guid(p.rec.guid);
    meta.set_orig_mailbox(storage_.storage_name(box_.name()));
    MdboxPlaced placed = appender_->append(message, std::move(meta));
    p.placed = placed;
    p.rec.physical_size = placed.body_size;
    p.rec.virtual_size = placed.virtual_size;
    saves_.push_back(std::move(p));
    return saves_.back().rec.uid;
  }

  uint32_t copy(Mailbox& source, const MessageRecord& rec, const SaveRequest& req) override {
    auto* src = dynamic_cast<MdboxMailbox*>(&source);
    std::optional<MdboxLocator> loc = parse_mdbox_locator(rec.locator);
    if (!src || &src->storage() != &storage_ || !loc)
      return MailTransaction::copy(source, rec, req);
    take_lock();
    if (!storage_.map().find(loc->map_uid))
      throw Error(kExitNotFound, "message UID " + std::to_string(rec.uid) + " of " + source.name() +
                                     " was expunged and purged meanwhile");
    // Same storage: one more reference to the stored message, no bytes.
    Pending p;
    SaveRequest r = req;
    if (r.guid.empty()) r.guid = rec.guid;
    if (r.received_date == 0) r.received_date = rec.received_date;
    p.rec = record_for(r);
    p.rec.physical_size = rec.physical_size;
    p.rec.virtual_size = rec.virtual_size;
    p.copy_of = loc->map_uid;
    saves_.push_back(std::move(p));
    return saves_.back().rec.uid;
  }

  void update_flags(uint32_t uid, FlagOp op, const MessageFlags& flags) override {
    ops_.push_back({uid, Op::kFlags, op, flags, false});
  }
  void expunge(uint32_t uid) override {
    ops_.push_back({uid, Op::kExpunge, FlagOp::kAdd, {}, false});
  }
  void set_alt_storage(uint32_t uid, bool alt) override {
    ops_.push_back({uid, Op::kAlt, FlagOp::kAdd, {}, alt});
  }

  void commit() override {
    if (saves_.empty() && ops_.empty()) return;
    take_lock();
    MailIndex& index = box_.index();
    index.refresh();
    MdboxMap& map = storage_.map();
    // 1 + 2: bytes durable, then the map names them.
    if (appender_) appender_->flush();
    MdboxMap::Txn mt(map);
    for (auto& p : saves_) {
      if (p.copy_of) {
        mt.add_ref(p.copy_of, +1);
        p.map_uid = p.copy_of;
      } else {
        p.map_uid = mt.append(p.placed.file_id, p.placed.offset, p.placed.size, 1);
      }
    }
    mt.commit();
    // 3: the mailbox.
    auto it = index.begin();
    for (auto& p : saves_) {
      p.rec.locator = format_mdbox_locator({p.map_uid, false});
      it.append(p.rec);
    }
    std::map<uint32_t, MessageRecord> changed;
    std::set<uint32_t> expunged;
    std::vector<uint32_t> unref;
    for (const auto& o : ops_) {
      const MessageRecord* cur = index.find(o.uid);
      if (!cur || expunged.count(o.uid)) continue;
      if (o.kind == Op::kExpunge) {
        if (auto loc = parse_mdbox_locator(cur->locator)) unref.push_back(loc->map_uid);
        it.expunge(o.uid, expunge_key(box_, o.uid));
        expunged.insert(o.uid);
        changed.erase(o.uid);
        continue;
      }
      MessageRecord& r = changed.emplace(o.uid, *cur).first->second;
      if (o.kind == Op::kFlags) {
        apply_flag_update(r.flags, o.op, o.flags);
        r.flags.system &= kFlagsStorable;
      } else if (auto loc = parse_mdbox_locator(r.locator)) {
        loc->alt = o.alt;
        r.locator = format_mdbox_locator(*loc);
      }
    }
    for (const auto& [uid, r] : changed) it.update(r);
    it.commit();
    // 4: references the mailbox dropped.
    if (!unref.empty()) {
      MdboxMap::Txn dt(map);
      for (uint32_t u : unref) dt.add_ref(u, -1);
      dt.commit();
    }
    storage_.mark_changed(box_.name());
    saves_.clear();
    ops_.clear();
    appender_.reset();
    lock_.reset();
  }

  void rollback() override {
    // Appended bytes no map entry names are cut by the next appender.
    saves_.clear();
    ops_.clear();
    appender_.reset();
    lock_.reset();
  }

 private:
  struct Pending {
    MessageRecord rec;
    MdboxPlaced placed;
    uint32_t copy_of = 0;
    uint32_t map_uid = 0;
  };
  struct Op {
    enum Kind { kFlags, kExpunge, kAlt };
    uint32_t uid;
    Kind kind;
    FlagOp op;
    MessageFlags flags;
    bool alt;
  };

  void take_lock() {
    if (lock_) return;
    lock_ = storage_.map().lock();
    box_.index().refresh();
    next_uid_ = box_.index().header().uidnext;
  }

  MessageRecord record_for(const SaveRequest& req) {
    MessageRecord r;
    uint32_t uid = next_uid_;
    if (req.uid >= next_uid_) uid = req.uid;  // a requested UID that is still free
    next_uid_ = uid + 1;
    r.uid = uid;
    r.guid = req.guid.empty() ? Guid128::generate().hex() : req.guid;
    r.flags = req.flags;
    r.flags.system &= kFlagsStorable;
    int64_t now = ::time(nullptr);
    r.received_date = req.received_date ? req.received_date : now;
    r.save_date = req.save_date ? req.save_date : now;
    r.pop3_uidl = req.pop3_uidl;
    r.pop3_order = req.pop3_order;
    return r;
  }

  MdboxMailbox& box_;
  MdboxStorage& storage_;
  std::unique_ptr<MdboxMap::Lock> lock_;
  std::unique_ptr<MdboxAppender> appender_;
  std::vector<Pending> saves_;
  std::vector<Op> ops_;
  uint32_t next_uid_ = 1;
};

}  // namespace

std::unique_ptr<MailTransaction> make_mdbox_transaction(MdboxMailbox& box) {
  return std::make_unique<MdboxTransaction>(box);
}

}  // namespace roost
