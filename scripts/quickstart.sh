#!/usr/bin/env bash
# README command one: installs what Roost needs (apt), builds it, and runs it
# on an embedded default: a generated sample Maildir for a demo user, shown
# through the main read verbs, with the next commands to try.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
if [ "$(id -u)" = 0 ]; then
  scripts/install-deps.sh
else
  echo "(not root: skipping apt; run as root on a fresh machine)"
fi
echo "== building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target roost >/dev/null
roost="$root/build/cli/roost"

demo=${ROOST_DEMO_DIR:-/tmp/roost-demo}
rm -rf "$demo"
mkdir -p "$demo/home/demo"
# Like Dovecot, Roost refuses uid 0 for mail; as root the demo's mail
# belongs to the system user "mail", and Roost switches to it.
if [ "$(id -u)" = 0 ]; then
  uid=$(id -u mail)
  gid=$(id -g mail)
else
  uid=$(id -u)
  gid=$(id -g)
fi
cat >"$demo/roost.conf" <<CONF
# A self-contained demo configuration (dovecot.conf syntax).
mail_location = maildir:~/Maildir
first_valid_uid = 0
passdb {
  driver = passwd-file
  args = $demo/users
}
userdb {
  driver = passwd-file
  args = $demo/users
}
namespace inbox {
  inbox = yes
  separator = /
}
CONF
echo "demo:{PLAIN}demo:$uid:$gid::$demo/home/demo::" >"$demo/users"

echo "== generating a sample Maildir (seeded, 300 messages in nested and non-ASCII folders)"
PYTHONPATH="$root/tests/harness" python3 -m roostharness.corpus --seed 1 --messages 300 \
  --format maildir --out "$demo/corpus" >/dev/null
mv "$demo/corpus/user1/Maildir" "$demo/home/demo/Maildir"
rm -rf "$demo/corpus"
chown -R "$uid:$gid" "$demo/home"

r() { printf "$ roost"; printf " %q" "$@"; echo; "$roost" -c "$demo/roost.conf" "$@"; echo; }
r mailbox list -u demo
r -f table mailbox status -u demo 'messages unseen vsize' '*'
r -f table fetch -u demo 'mailbox uid flags size.virtual hdr.subject' mailbox INBOX 1:5
r search -u demo mailbox INBOX seen larger 2k
r flags add -u demo '\Flagged' mailbox INBOX 1
r fetch -u demo 'uid flags' mailbox INBOX 1

echo "== backing up the demo store to /tmp/roost-demo-backup (mdbox), proving the copy, listing it"
backup=${ROOST_DEMO_BACKUP:-/tmp/roost-demo-backup}
rm -rf "$backup"
mkdir -p "$backup"
chown "$uid:$gid" "$backup"
r backup -u demo "mdbox:$backup"
# Proof that the copy is complete: every mailbox, UID, GUID, flag, keyword
# and a hash of every message body compared (exit 0 = identical).
r verify -u demo "mdbox:$backup"
r -o "mail_location=mdbox:$backup" -f table mailbox status -u demo 'messages unseen uidvalidity' '*'
# A second run finds nothing to do: the plan is empty.
r backup -u demo --dry-run "mdbox:$backup"

cat <<NEXT
Next commands to try (config: $demo/roost.conf):
  $roost -c $demo/roost.conf -f json mailbox status -u demo all INBOX
  $roost -c $demo/roost.conf fetch -u demo text mailbox INBOX uid 1
  $roost -c $demo/roost.conf search -u demo subject invoice
  $roost -c $demo/roost.conf expunge -u demo mailbox Trash savedbefore 30d
  $roost -c $demo/roost.conf sync -u demo -s '' mbox:$demo/mbox-replica:INBOX=$demo/mbox-replica/inbox
  $roost -c $demo/roost.conf -f json verify -u demo mdbox:$backup
  $roost -c $demo/roost.conf -o mail_location=mdbox:$backup purge -u demo
  $roost -c $demo/roost.conf backup -R -u demo mdbox:$backup   # restore
  $roost help
The same store opens in Dovecot: doveadm -c <a config with the same mail_location> ...
NEXT
