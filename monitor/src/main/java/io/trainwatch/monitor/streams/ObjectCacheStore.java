package io.trainwatch.monitor.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorContextUtils;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A key-value store for state that its processor reads and writes on every event, keeping the
 * values it last read or wrote as objects instead of bytes. It replaces Kafka Streams' record cache
 * (a byte-level cache, which makes every read deserialize and every write go through a sorted map
 * of byte arrays) for the per-run stores; the store under it is changelogged as usual, without the
 * record cache.
 *
 * <p><b>What it keeps.</b> Two things, per task (one instance per task and store, like any store):
 *
 * <ul>
 *   <li>the <em>objects</em>: the value last read or written for a key (or that it has none), at
 *       most {@code maxObjects} of them, the least recently used forgotten first. Only the
 *       processing thread touches them ({@link #cached}, {@link #put}, {@link #delete});
 *   <li>the <em>pending writes</em>: each key written since the last commit, with its value already
 *       serialized (at {@link #put}, so a later change to the object cannot alter what was written)
 *       and the record context it was written in. They go to the store under this one, hence to its
 *       changelog, when Kafka Streams flushes caches before each commit ({@link #flushCache}), or
 *       earlier when they exceed {@code maxPendingBytes}: always inside the transaction that
 *       commits the input offsets that caused them, as the record cache does.
 * </ul>
 *
 * <p><b>Exactly-once.</b> The objects hold nothing that the store under this one (committed state
 * plus the pending writes of the open transaction) would not return, so they never outlive that
 * state: Kafka Streams closes the store when a task is closed, dirty or clean (a transaction
 * aborted, a task migrated or corrupted), and initializes it again before a revived task processes;
 * both drop the objects and the pending writes, and a dirty close wipes the state that is then
 * restored from the changelog. A task recycled into a standby has its caches cleared ({@link
 * #clearCache}). Restoration writes to the innermost store while the objects are empty.
 *
 * <p><b>A processor that fails midway</b> may have changed the object it got from {@link #cached}
 * without writing it: it must call {@link #forget} for that key, so that the next read decodes the
 * last value written (pending or committed) instead of the half-changed object.
 *
 * <p><b>Other threads</b> (interactive queries of the runs API) use the {@link KeyValueStore} reads
 * ({@link #get}, {@link #all}), which never return a cached object: they decode the pending bytes
 * or the store's, so they see what the processing thread wrote, never an object it is changing.
 *
 * <p><b>Ranges and prefix scans</b> ({@link #range}, {@link #prefixScan}) return the store's
 * entries in its key order (UTF-8 bytes) with the pending writes laid over them, decoded afresh
 * like {@link #all}: safe from any thread, at a cost that grows with the pending writes. The
 * processing thread makes them cheap by writing the pending writes first ({@link
 * #writePendingNow}). Reverse iteration is not supported.
 *
 * @param <V> the value type
 */
public final class ObjectCacheStore<V>
    extends WrappedStateStore<KeyValueStore<String, byte[]>, String, V>
    implements KeyValueStore<String, V> {

  /** A pending delete. */
  private static final byte[] TOMBSTONE = new byte[0];

  /** A key known to have no value. */
  private static final Object ABSENT = new Object();

  private final Function<V, byte[]> encode;
  private final Function<byte[], V> decode;
  private final int maxObjects;
  private final long maxPendingBytes;

  private final LinkedHashMap<String, Object> objects;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private long pendingBytes;
  private InternalProcessorContext<?, ?> context;

  private record Pending(byte[] bytes, ProcessorRecordContext context) {}

  ObjectCacheStore(
      KeyValueStore<String, byte[]> inner,
      Function<V, byte[]> encode,
      Function<byte[], V> decode,
      int maxObjects,
      long maxPendingBytes) {
    super(inner);
    this.encode = encode;
    this.decode = decode;
    this.maxObjects = maxObjects;
    this.maxPendingBytes = maxPendingBytes;
    this.objects =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > ObjectCacheStore.this.maxObjects;
          }
        };
  }

  /**
   * A builder for {@link org.apache.kafka.streams.Topology#addStateStore}: a changelogged store of
   * {@code supplier} without the record cache, wrapped in an object cache.
   *
   * @param maxObjects most objects kept per task
   * @param maxPendingBytes serialized bytes of pending writes per task above which they are written
   *     before the commit
   */
  public static <V> StoreBuilder<ObjectCacheStore<V>> builder(
      KeyValueBytesStoreSupplier supplier,
      Function<V, byte[]> encode,
      Function<byte[], V> decode,
      int maxObjects,
      long maxPendingBytes) {
    return new Builder<>(
        Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray())
            .withCachingDisabled(),
        encode,
        decode,
        maxObjects,
        maxPendingBytes);
  }

  /**
   * The object cache behind a store a processor got from its context (Kafka Streams hands
   * processors a decorator around the registered store).
   *
   * @throws IllegalArgumentException if {@code store} is not one
   */
  @SuppressWarnings("unchecked")
  public static <V> ObjectCacheStore<V> of(StateStore store) {
    StateStore s = store;
    while (!(s instanceof ObjectCacheStore) && s instanceof WrappedStateStore<?, ?, ?> w) {
      s = w.wrapped();
    }
    if (s instanceof ObjectCacheStore<?> c) {
      return (ObjectCacheStore<V>) c;
    }
    throw new IllegalArgumentException(store.name() + ": not an object-cache store");
  }

  @Override
  public void init(StateStoreContext stateStoreContext, StateStore root) {
    dropCaches();
    context = ProcessorContextUtils.asInternalProcessorContext(stateStoreContext);
    super.init(stateStoreContext, root);
  }

  /**
   * The value of {@code key} for the processing thread: the cached object, or the value decoded and
   * cached. A caller that changes it writes it back with {@link #put} or calls {@link #forget}.
   */
  @SuppressWarnings("unchecked")
  public V cached(String key) {
    Object o = objects.get(key);
    if (o == null) {
      V v = read(key);
      objects.put(key, v == null ? ABSENT : v);
      return v;
    }
    return o == ABSENT ? null : (V) o;
  }

  /** Drops the cached object of {@code key}: the next read decodes the last value written. */
  public void forget(String key) {
    objects.remove(key);
  }

  /**
   * Drops every cached object: the next reads decode the last values written. For a processor that
   * fails midway after changing objects of several keys.
   */
  public void forgetAll() {
    objects.clear();
  }

  /**
   * Writes the pending writes to the store under this one now, inside the open transaction, as an
   * early flush does: for the processing thread only, before a range or prefix scan, which then
   * reads the store alone.
   */
  public void writePendingNow() {
    writePending();
  }

  /** Reads from the pending writes or the store, never from the objects: safe from any thread. */
  @Override
  public V get(String key) {
    return read(key);
  }

  private V read(String key) {
    Pending p = pending.get(key);
    byte[] bytes = p != null ? p.bytes() : wrapped().get(key);
    return bytes == null || bytes == TOMBSTONE ? null : decode.apply(bytes);
  }

  @Override
  public void put(String key, V value) {
    if (value == null) {
      delete(key);
      return;
    }
    byte[] bytes = encode.apply(value);
    objects.put(key, value);
    write(key, bytes);
  }

  @Override
  public V putIfAbsent(String key, V value) {
    V previous = cached(key);
    if (previous == null) {
      put(key, value);
    }
    return previous;
  }

  @Override
  public void putAll(List<KeyValue<String, V>> entries) {
    for (KeyValue<String, V> e : entries) {
      put(e.key, e.value);
    }
  }

  @Override
  public V delete(String key) {
    V previous = cached(key);
    objects.put(key, ABSENT);
    write(key, TOMBSTONE);
    return previous;
  }

  private void write(String key, byte[] bytes) {
    Pending before = pending.put(key, new Pending(bytes, context.recordContext()));
    pendingBytes += bytes.length - (before == null ? 0 : before.bytes().length);
    if (pendingBytes > maxPendingBytes) {
      writePending();
    }
  }

  /** Writes the pending writes to the store under this one (and so to its changelog). */
  private void writePending() {
    if (pending.isEmpty()) {
      return;
    }
    ProcessorRecordContext current = context.recordContext();
    try {
      for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, Pending> e = it.next();
        Pending p = e.getValue();
        // The changelog record is stamped like the write that made it, as the record cache does.
        context.setRecordContext(p.context());
        if (p.bytes() == TOMBSTONE) {
          wrapped().delete(e.getKey());
        } else {
          wrapped().put(e.getKey(), p.bytes());
        }
        // Removed after the write: a concurrent reader finds the value in one place or the other.
        it.remove();
      }
    } finally {
      context.setRecordContext(current);
    }
    pendingBytes = 0;
  }

  /** Called by Kafka Streams before each commit: the pending writes join the transaction. */
  @Override
  public void flushCache() {
    writePending();
    super.flushCache();
  }

  @Override
  public void clearCache() {
    dropCaches();
    super.clearCache();
  }

  @Override
  public void close() {
    dropCaches();
    super.close();
  }

  private void dropCaches() {
    objects.clear();
    pending.clear();
    pendingBytes = 0;
  }

  /**
   * Every entry, the pending writes over the store's (no order guaranteed); values decoded afresh.
   * Safe from any thread.
   */
  @Override
  public KeyValueIterator<String, V> all() {
    return new Overlay(new HashMap<>(pending), wrapped().all());
  }

  /**
   * The entries from {@code from} to {@code to} (inclusive; {@code null} is unbounded) in the
   * store's key order, the pending writes laid over them; values decoded afresh. Safe from any
   * thread.
   */
  @Override
  public KeyValueIterator<String, V> range(String from, String to) {
    byte[] lo = from == null ? null : utf8(from);
    byte[] hi = to == null ? null : utf8(to);
    if (lo != null && hi != null && Arrays.compareUnsigned(lo, hi) > 0) {
      return new SortedOverlay(new TreeMap<>(), wrapped().range(from, to));
    }
    return new SortedOverlay(
        pendingWhere(
            k ->
                (lo == null || Arrays.compareUnsigned(k, lo) >= 0)
                    && (hi == null || Arrays.compareUnsigned(k, hi) <= 0)),
        wrapped().range(from, to));
  }

  /**
   * The entries whose serialized key starts with the serialized {@code prefix}, in the store's key
   * order, the pending writes laid over them; values decoded afresh. Safe from any thread.
   */
  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<String, V> prefixScan(
      P prefix, PS prefixKeySerializer) {
    byte[] p = prefixKeySerializer.serialize(null, prefix);
    return new SortedOverlay(
        pendingWhere(k -> k.length >= p.length && Arrays.equals(k, 0, p.length, p, 0, p.length)),
        wrapped().prefixScan(prefix, prefixKeySerializer));
  }

  private static byte[] utf8(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  /** The pending writes whose serialized keys pass {@code test}, by serialized key. */
  private TreeMap<Bytes, Map.Entry<String, Pending>> pendingWhere(Predicate<byte[]> test) {
    TreeMap<Bytes, Map.Entry<String, Pending>> out = new TreeMap<>();
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      byte[] k = utf8(e.getKey());
      if (test.test(k)) {
        out.put(Bytes.wrap(k), Map.entry(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  @Override
  public long approximateNumEntries() {
    return wrapped().approximateNumEntries();
  }

  /**
   * An iterator over the store's entries with the pending writes laid over them, values decoded
   * afresh: a subclass says how to find the next live entry ({@link #advance}).
   */
  private abstract class OverlayIterator implements KeyValueIterator<String, V> {
    final KeyValueIterator<String, byte[]> base;
    private KeyValue<String, V> next;

    OverlayIterator(KeyValueIterator<String, byte[]> base) {
      this.base = base;
    }

    /**
     * Takes one entry from the store or the pending writes and {@link #offer}s it; {@code false}
     * once both are exhausted.
     */
    abstract boolean advance();

    /** The next entry is {@code key} with {@code bytes}, unless they are a delete (none). */
    final void offer(String key, byte[] bytes) {
      if (bytes != null && bytes != TOMBSTONE) {
        next = KeyValue.pair(key, decode.apply(bytes));
      }
    }

    @Override
    public final boolean hasNext() {
      while (next == null) {
        if (!advance()) {
          return false;
        }
      }
      return true;
    }

    @Override
    public final KeyValue<String, V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      KeyValue<String, V> kv = next;
      next = null;
      return kv;
    }

    @Override
    public final String peekNextKey() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return next.key;
    }

    @Override
    public final void close() {
      base.close();
    }
  }

  /** The store's entries with the pending writes laid over them, then the pending new keys. */
  private final class Overlay extends OverlayIterator {
    private final Map<String, Pending> overlay;
    private Iterator<Map.Entry<String, Pending>> rest;

    Overlay(Map<String, Pending> overlay, KeyValueIterator<String, byte[]> base) {
      super(base);
      this.overlay = overlay;
    }

    @Override
    boolean advance() {
      if (base.hasNext()) {
        KeyValue<String, byte[]> kv = base.next();
        Pending p = overlay.remove(kv.key);
        offer(kv.key, p == null ? kv.value : p.bytes());
        return true;
      }
      if (rest == null) {
        rest = new ArrayList<>(overlay.entrySet()).iterator();
      }
      if (!rest.hasNext()) {
        return false;
      }
      Map.Entry<String, Pending> e = rest.next();
      offer(e.getKey(), e.getValue().bytes());
      return true;
    }
  }

  /**
   * A sorted range of the store merged with the pending writes of the same range: both in the order
   * of their serialized keys, a pending write replacing (or, a delete, hiding) the store's entry of
   * its key.
   */
  private final class SortedOverlay extends OverlayIterator {
    private final Iterator<Map.Entry<String, Pending>> overlay;
    private Map.Entry<String, Pending> nextPending;
    private Bytes nextPendingKey;
    private KeyValue<String, byte[]> nextBase;
    private Bytes nextBaseKey;

    SortedOverlay(
        TreeMap<Bytes, Map.Entry<String, Pending>> overlay, KeyValueIterator<String, byte[]> base) {
      super(base);
      this.overlay = overlay.values().iterator();
    }

    @Override
    boolean advance() {
      if (nextPending == null && overlay.hasNext()) {
        nextPending = overlay.next();
        nextPendingKey = Bytes.wrap(utf8(nextPending.getKey()));
      }
      if (nextBase == null && base.hasNext()) {
        nextBase = base.next();
        nextBaseKey = Bytes.wrap(utf8(nextBase.key));
      }
      if (nextPending == null && nextBase == null) {
        return false;
      }
      int order =
          nextPending == null ? -1 : nextBase == null ? 1 : nextBaseKey.compareTo(nextPendingKey);
      if (order < 0) {
        offer(nextBase.key, nextBase.value);
        nextBase = null;
      } else {
        offer(nextPending.getKey(), nextPending.getValue().bytes());
        nextPending = null;
        if (order == 0) {
          nextBase = null; // replaced by the pending write
        }
      }
      return true;
    }
  }

  private static final class Builder<V> implements StoreBuilder<ObjectCacheStore<V>> {
    private final StoreBuilder<KeyValueStore<String, byte[]>> inner;
    private final Function<V, byte[]> encode;
    private final Function<byte[], V> decode;
    private final int maxObjects;
    private final long maxPendingBytes;

    Builder(
        StoreBuilder<KeyValueStore<String, byte[]>> inner,
        Function<V, byte[]> encode,
        Function<byte[], V> decode,
        int maxObjects,
        long maxPendingBytes) {
      this.inner = inner;
      this.encode = encode;
      this.decode = decode;
      this.maxObjects = maxObjects;
      this.maxPendingBytes = maxPendingBytes;
    }

    @Override
    public StoreBuilder<ObjectCacheStore<V>> withCachingEnabled() {
      return this; // this store is the cache
    }

    @Override
    public StoreBuilder<ObjectCacheStore<V>> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<ObjectCacheStore<V>> withLoggingEnabled(Map<String, String> config) {
      inner.withLoggingEnabled(config);
      return this;
    }

    @Override
    public StoreBuilder<ObjectCacheStore<V>> withLoggingDisabled() {
      inner.withLoggingDisabled();
      return this;
    }

    @Override
    public ObjectCacheStore<V> build() {
      return new ObjectCacheStore<>(inner.build(), encode, decode, maxObjects, maxPendingBytes);
    }

    @Override
    public Map<String, String> logConfig() {
      return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
      return inner.loggingEnabled();
    }

    @Override
    public String name() {
      return inner.name();
    }
  }
}
