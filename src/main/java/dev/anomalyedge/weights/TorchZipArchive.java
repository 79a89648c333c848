package dev.anomalyedge.weights;

import dev.anomalyedge.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The zip container shared by torch.save checkpoints and TorchScript archives: one top-level folder
 * {@code <root>/} (any name) holding {@code data.pkl}, raw little-endian storages {@code data/<key>}, {@code version},
 * maybe {@code byteorder}; TorchScript adds {@code code/} and {@code constants.pkl}.
 *
 * <p>Every size is checked before anything is allocated: entry sizes against limits and the file size, storage
 * sizes declared by the pickle against the entry, tensor views against their storage, and everything the read
 * will hold in memory against the file's {@link ReadBudget}. An entry is inflated into an array of exactly its
 * checked size, so a deflated entry cannot inflate past it.
 */
final class TorchZipArchive implements AutoCloseable {
    /** data.pkl of ViT-L/14 is ~100 KiB; anything beyond this is not a checkpoint pickle. */
    static final long MAX_PICKLE_BYTES = 256L << 20;
    /** Largest byte array Java can allocate. */
    static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;
    /** Deflate cannot expand by more than ~1032:1, so a larger declared size means a corrupt entry. */
    private static final long MAX_DEFLATE_RATIO = 1100;
    /**
     * Heap the unpickled objects may take per pickle byte: one-byte opcodes create an object each (EMPTY_DICT a
     * LinkedHashMap of ~56 bytes), so a pickle is charged this multiple of its size before it is unpickled.
     */
    static final int PICKLE_HEAP_PER_BYTE = 64;

    private final Path file;
    private final long fileSize;
    private final ZipFile zip;
    private final String root;
    private final boolean torchScript;
    private final ReadBudget budget;

    private TorchZipArchive(Path file, long fileSize, ZipFile zip, String root, boolean torchScript) {
        this.file = file;
        this.fileSize = fileSize;
        this.zip = zip;
        this.root = root;
        this.torchScript = torchScript;
        this.budget = ReadBudget.forFile(file, fileSize);
    }

    /** Opens the zip and finds its {@code <root>/data.pkl}; the caller closes the archive. */
    static TorchZipArchive open(Path file) {
        long size;
        ZipFile zip;
        try {
            size = Files.size(file);
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a readable zip archive (truncated or corrupt?): " + e.getMessage(), e);
        }
        try {
            List<String> roots = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements() && roots.size() < 2; ) {
                String name = en.nextElement().getName();
                int slash = name.indexOf('/');
                if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) roots.add(name.substring(0, slash + 1));
            }
            if (roots.isEmpty() && zip.stream().anyMatch(e -> e.getName().endsWith("model.json"))) {
                throw new CheckpointException(file + ": a TorchScript archive in the legacy model.json format (PyTorch"
                        + " before data.pkl archives), which is not supported; re-save it with a current PyTorch");
            }
            if (roots.size() != 1) {
                throw new CheckpointException(file + ": zip archive with " + (roots.isEmpty() ? "no" : "more than one")
                        + " '<root>/data.pkl' entry (" + zip.size() + " entries in all), expected exactly one (PyTorch zip"
                        + " checkpoint or TorchScript archive)");
            }
            String root = roots.get(0);
            boolean script = zip.getEntry(root + "constants.pkl") != null
                    || zip.stream().anyMatch(e -> e.getName().startsWith(root + "code/"));
            TorchZipArchive archive = new TorchZipArchive(file, size, zip, root, script);
            archive.checkByteOrder();
            return archive;
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    Path file() { return file; }

    /** The archive folder, e.g. "clip_weights/". */
    String root() { return root; }

    /** True when the archive has {@code code/} or {@code constants.pkl}: written by torch.jit.save. */
    boolean isTorchScript() { return torchScript; }

    /** What this read may still hold in memory; readers of the archive charge what they build from it. */
    ReadBudget budget() { return budget; }

    boolean hasEntry(String relative) { return zip.getEntry(root + relative) != null; }

    /** Unpickles {@code <root>/<relative>}, its objects charged to the budget first. */
    Object unpickle(String relative) {
        byte[] bytes = readEntry(relative, MAX_PICKLE_BYTES);
        String name = Names.quote(root + relative);
        budget.charge(ReadBudget.multiplySaturated(bytes.length, PICKLE_HEAP_PER_BYTE), "unpickling entry " + name);
        Object value = TorchPickle.load(bytes, file + ": entry " + name);
        budget.release(bytes.length);
        return value;
    }

    /** The whole entry {@code <root>/<relative>}, refused when it declares more than {@code maxBytes}; charged. */
    byte[] readEntry(String relative, long maxBytes) {
        ZipEntry e = entry(relative);
        long size = e.getSize();
        if (size > maxBytes) {
            throw new CheckpointException(file + ": entry " + Names.quote(e.getName()) + " declares " + size
                    + " bytes, more than the " + maxBytes + " accepted for it");
        }
        budget.charge(size, "entry " + Names.quote(e.getName()));
        return read(e, size);
    }

    /** Fails unless {@code byteorder} is absent (older writers: little-endian) or "little". */
    private void checkByteOrder() {
        if (!hasEntry("byteorder")) return;
        String order = new String(readEntry("byteorder", 16), StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
            throw new CheckpointException(file + ": entry " + Names.quote(root + "byteorder") + " says "
                    + (order.equals("big") ? "'big'" : "neither 'little' nor 'big'")
                    + ", only little-endian storages are supported");
        }
    }

    private ZipEntry entry(String relative) {
        ZipEntry e = zip.getEntry(root + relative);
        if (e == null) throw new CheckpointException(file + ": entry " + Names.quote(root + relative) + " is missing from the archive");
        if (e.getSize() < 0) throw new CheckpointException(file + ": entry " + Names.quote(e.getName()) + " has no recorded size");
        long stored = e.getCompressedSize();
        long plausible = e.getMethod() == ZipEntry.STORED ? fileSize : Math.min(Long.MAX_VALUE / MAX_DEFLATE_RATIO, stored) * MAX_DEFLATE_RATIO;
        if (e.getSize() > plausible || stored > fileSize) {
            throw new CheckpointException(file + ": entry " + Names.quote(e.getName()) + " declares " + e.getSize()
                    + " bytes, impossible in a file of " + fileSize + " bytes (corrupt zip directory?)");
        }
        return e;
    }

    /**
     * The first {@code count} bytes of the entry (count ≤ its size, checked and charged by the caller), inflated
     * into an array of exactly that size: a deflated entry that holds more than it declares is read no further.
     */
    private byte[] read(ZipEntry e, long count) {
        if (count > MAX_ARRAY_BYTES) {
            throw new CheckpointException(file + ": entry " + Names.quote(e.getName()) + " needs " + count
                    + " bytes in one piece, more than this reader supports (" + MAX_ARRAY_BYTES + ")");
        }
        byte[] b = new byte[(int) count];
        int n;
        try (InputStream in = zip.getInputStream(e)) {
            n = in.readNBytes(b, 0, b.length);
        } catch (IOException ex) {
            throw new CheckpointException(file + ": cannot read entry " + Names.quote(e.getName()) + ": " + ex.getMessage(), ex);
        }
        if (n != count) {
            throw new CheckpointException(file + ": entry " + Names.quote(e.getName()) + " ended after " + n + " of "
                    + count + " bytes (truncated?)");
        }
        return b;
    }

    /**
     * Reads the named tensors (state-dict order kept). Every view and storage is checked and every decoded tensor
     * charged to the budget before anything is read; a storage is charged when it is read and released after its
     * last view. Names with the same view (a tensor reached through shared modules or memo references, or an
     * identical view declared again) share one decoded {@link Tensor}.
     */
    StateDict materialize(String source, Map<String, StoredTensor> named) {
        Map<String, Integer> viewsLeft = new HashMap<>(); // storage key -> distinct views still to decode
        Map<String, ZipEntry> storageEntries = new HashMap<>();
        Set<String> views = new HashSet<>();
        for (Map.Entry<String, StoredTensor> e : named.entrySet()) {
            StoredTensor t = e.getValue();
            checkView(e.getKey(), t);
            if (!views.add(t.viewKey())) continue;
            if (viewsLeft.merge(t.storageKey(), 1, Integer::sum) == 1) storageEntries.put(t.storageKey(), storageEntry(e.getKey(), t));
            budget.charge(ReadBudget.decodedBytes(t.dtype(), t.numel()), "tensor " + Names.quote(e.getKey()));
        }
        Map<String, byte[]> storages = new HashMap<>();
        Map<String, Tensor> decoded = new HashMap<>(); // view key -> tensor
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : named.entrySet()) {
            StoredTensor t = e.getValue();
            String view = t.viewKey();
            Tensor tensor = decoded.get(view);
            if (tensor == null) {
                byte[] storage = storages.computeIfAbsent(t.storageKey(), k -> readStorage(storageEntries.get(k), t));
                tensor = decode(t, storage);
                decoded.put(view, tensor);
                if (viewsLeft.merge(t.storageKey(), -1, Integer::sum) == 0) {
                    storages.remove(t.storageKey());
                    budget.release(storage.length);
                }
            }
            out.put(e.getKey(), tensor);
        }
        return new StateDict(source, out);
    }

    /** The whole storage, charged before it is inflated. */
    private byte[] readStorage(ZipEntry e, StoredTensor t) {
        budget.charge(t.storageBytes(), "storage entry " + Names.quote(e.getName()));
        return read(e, t.storageBytes());
    }

    /** The view must lie inside its storage and fit in a Java array. */
    private void checkView(String name, StoredTensor t) {
        long numel, needed;
        try {
            numel = t.numel();
            needed = t.requiredStorageElements();
        } catch (ArithmeticException e) {
            throw new CheckpointException(file + ": tensor " + Names.quote(name) + " has an impossible view: " + t.describe());
        }
        if (needed > t.storageNumel()) {
            throw new CheckpointException(file + ": tensor " + Names.quote(name) + " needs " + needed
                    + " storage elements for its view but storage " + Names.quote(t.storageKey()) + " holds only "
                    + t.storageNumel() + " (" + t.describe() + ")");
        }
        if (numel * t.dtype().bytes > MAX_ARRAY_BYTES) {
            throw new CheckpointException(file + ": tensor " + Names.quote(name) + " has " + numel
                    + " elements, more than this reader supports");
        }
    }

    /** The entry {@code data/<key>} of the tensor's storage, which must hold storageNumel × element size bytes. */
    private ZipEntry storageEntry(String name, StoredTensor t) {
        String relative = "data/" + t.storageKey();
        if (!hasEntry(relative)) {
            throw new CheckpointException(file + ": tensor " + Names.quote(name) + " refers to storage entry "
                    + Names.quote(root + relative) + ", which is missing from the archive");
        }
        ZipEntry e = entry(relative);
        long expected = t.storageBytes();
        if (e.getSize() < expected) {
            throw new CheckpointException(file + ": tensor " + Names.quote(name) + ": storage entry "
                    + Names.quote(e.getName()) + " holds " + e.getSize() + " bytes but the pickle declares "
                    + t.storageNumel() + " elements of " + t.dtype()
                    + " (" + (expected == Long.MAX_VALUE ? "overflow" : expected + " bytes") + ")");
        }
        return e;
    }

    /** Decodes the view: a contiguous view is one byte range, any other is gathered element by element. */
    private static Tensor decode(StoredTensor t, byte[] storage) {
        int elementBytes = t.dtype().bytes;
        int numel = (int) t.numel();
        ByteBuffer view;
        if (t.isContiguous()) {
            view = ByteBuffer.wrap(storage, (int) (t.storageOffset() * elementBytes), numel * elementBytes).slice();
        } else {
            view = ByteBuffer.wrap(gather(storage, elementBytes, t.storageOffset(), t.shape(), t.stride(), numel));
        }
        return TensorDecoding.decode(t.dtype(), t.shape(), view, numel);
    }

    /** Copies element (i0, i1, …) from storage[offset + Σ i_d·stride_d] to row-major position, in row-major order. */
    static byte[] gather(byte[] storage, int elementBytes, long offset, long[] shape, long[] stride, int numel) {
        byte[] out = new byte[numel * elementBytes];
        long[] index = new long[shape.length];
        long src = offset;
        for (int j = 0; j < numel; j++) {
            System.arraycopy(storage, (int) (src * elementBytes), out, j * elementBytes, elementBytes);
            for (int d = shape.length - 1; d >= 0; d--) { // advance the odometer, last axis fastest
                if (++index[d] < shape[d]) {
                    src += stride[d];
                    break;
                }
                src -= (shape[d] - 1) * stride[d];
                index[d] = 0;
            }
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // read-only file: nothing to flush
        }
    }
}
