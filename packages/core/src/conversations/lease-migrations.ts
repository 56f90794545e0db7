import type { Migration } from "@hearth/db";

export const replyLeaseMigrations: Migration[] = [
  {
    id: "0017-reply-leases",
    sql: `
-- A reply being written is held by the node writing it until lease_until, which that node renews
-- while it runs. One whose lease ran out lost its node (killed, crashed): any node marks it
-- interrupted, and a node that starts leaves alone the replies other nodes still hold.
ALTER TABLE messages ADD COLUMN lease_until timestamptz;
CREATE INDEX messages_unfinished_lease ON messages (lease_until) WHERE status IN ('pending', 'streaming');
`,
  },
];
