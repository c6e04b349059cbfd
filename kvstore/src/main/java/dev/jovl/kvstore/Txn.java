package dev.jovl.kvstore;

import java.util.ArrayList;
import java.util.List;

/** Operations applied all together or not at all; at most one operation per key. */
public record Txn(List<Op> ops) {

    /** Larger transactions are refused (etcd's default limit is 128 operations). */
    public static final int MAX_OPS = 64;

    public Txn {
        ops = List.copyOf(ops);
        if (ops.isEmpty()) {
            throw new StoreException.InvalidArgument("empty transaction");
        }
        if (ops.size() > MAX_OPS) {
            throw new StoreException.InvalidArgument(
                    "transaction of " + ops.size() + " operations; at most " + MAX_OPS);
        }
        if (ops.stream().map(Op::key).distinct().count() != ops.size()) {
            throw new StoreException.InvalidArgument("transaction touches a key twice: " + ops);
        }
    }

    public static Txn of(Op... ops) {
        return new Txn(List.of(ops));
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<Op> ops = new ArrayList<>();

        public Builder add(Op op) {
            ops.add(op);
            return this;
        }

        public Txn build() {
            return new Txn(ops);
        }
    }
}
