package dev.anomalyedge.weights;

import dev.anomalyedge.tensor.DType;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unpickles the {@code data.pkl} of a PyTorch zip archive (torch.save or TorchScript) with Pyrolite, without
 * running any Python: tensors become {@link StoredTensor} descriptions (their bytes stay in the zip), every other
 * class a {@link PickledObject}.
 *
 * <p>Result types: dict → {@link LinkedHashMap} (pickle order kept), list → {@link List}, tuple → {@code Object[]},
 * str, int → Integer/Long/BigInteger, float → Double, bool, None → null, tensor → {@link StoredTensor}.
 *
 * <p>Pyrolite's dicts are HashMaps, which would lose the state-dict order, so the dict opcodes (EMPTY_DICT,
 * DICT, SETITEM, SETITEMS) and BUILD are handled here; GLOBAL is resolved per instance (nothing is registered
 * globally). Length-prefixed opcodes are checked against the bytes left before Pyrolite allocates, decimal
 * numbers are limited to {@value #MAX_DECIMAL_LINE} characters (Python's own limit is 4300 digits: parsing is
 * quadratic), and dict keys must be hashable as in Python: a list or dict key, which Java would hash
 * recursively (forever, when the pickle made it cyclic), is refused.
 *
 * <p>Error messages come in two kinds: this class's own, which say what is wrong without quoting the pickle's
 * values, and anything Pyrolite or the JDK throws, whose message may quote the pickle (an escape sequence, a
 * number's digits) and is therefore replaced by the byte offset and the exception type.
 */
final class TorchPickle extends Unpickler {
    /** Storage classes named in persistent ids, e.g. {@code torch.HalfStorage}, and the element type they hold. */
    private static final Map<String, DType> STORAGE_TYPES = Map.ofEntries(
            Map.entry("FloatStorage", DType.F32), Map.entry("HalfStorage", DType.F16),
            Map.entry("BFloat16Storage", DType.BF16), Map.entry("DoubleStorage", DType.F64),
            Map.entry("LongStorage", DType.I64), Map.entry("IntStorage", DType.I32),
            Map.entry("ShortStorage", DType.I16), Map.entry("CharStorage", DType.I8),
            Map.entry("ByteStorage", DType.U8), Map.entry("BoolStorage", DType.BOOL));

    /** Longest text line of the decimal opcodes INT, LONG and FLOAT (protocol 0; torch.save writes protocol 2). */
    static final int MAX_DECIMAL_LINE = 4310;

    private final Map<String, StorageRef> storages = new LinkedHashMap<>();

    /** A problem this reader found and described itself; its message quotes nothing from the pickle. */
    static final class Refused extends PickleException {
        Refused(String message) { super(message); }
    }

    /** A storage as named by a persistent id ('storage', torch.XStorage, key, location, numel). */
    record StorageRef(String key, DType dtype, long numel) {}

    /** The value GLOBAL pushes for {@code torch.XStorage}: a dtype tag, not callable. */
    record StorageType(String name, DType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new Refused("storage type " + Names.quote("torch." + name) + " cannot be called");
        }
    }

    /** {@code collections.OrderedDict}; BUILD gives it {@code {'_metadata': …}} (state_dict() metadata), kept aside. */
    static final class OrderedDict extends LinkedHashMap<Object, Object> {
        Object state;
    }

    private TorchPickle() {}

    /**
     * Unpickles {@code pickle}; {@code where} ("file: entry 'root/data.pkl'") starts every error message.
     */
    static Object load(byte[] pickle, String where) {
        ByteArrayInputStream in = new ByteArrayInputStream(pickle);
        try {
            return new TorchPickle().load(in);
        } catch (Refused e) {
            throw new CheckpointException(where + ": cannot unpickle: " + e.getMessage(), e);
        } catch (IOException e) { // Pyrolite's own "premature end of file" and the like
            throw new CheckpointException(where + ": cannot unpickle: the pickle ends early (truncated?)");
        } catch (StackOverflowError e) {
            // last line of defence: nothing here recurses over pickle values, but a JDK method on one might
            throw new CheckpointException(where + ": cannot unpickle: values nested too deeply or cyclic, near byte "
                    + (pickle.length - in.available()));
        } catch (RuntimeException e) {
            // malformed opcode streams surface as stack underflow, wrong types on the stack, bad digits…; the
            // message of such an exception may quote the pickle, so only its type is shown
            throw new CheckpointException(where + ": cannot unpickle: malformed pickle near byte " + (pickle.length - in.available())
                    + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolveGlobal(module, name));
            }
            case Opcodes.STACK_GLOBAL -> {
                String name = (String) stack.pop();
                String module = (String) stack.pop();
                stack.add(resolveGlobal(module, name));
            }
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> {
                List<Object> items = stack.pop_all_since_marker();
                Map<Object, Object> dict = new LinkedHashMap<>();
                putPairs(dict, items);
                stack.add(dict);
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                putPairs(asDict(stack.peek()), items);
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object dictKey = stack.pop();
                put(asDict(stack.peek()), dictKey, value);
            }
            case Opcodes.INT, Opcodes.LONG, Opcodes.FLOAT -> {
                checkLine(key);
                return super.dispatch(key);
            }
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                build(stack.peek(), state);
            }
            case Opcodes.BINSTRING, Opcodes.BINUNICODE, Opcodes.BINBYTES, Opcodes.LONG4 -> {
                checkLength(key, 4);
                return super.dispatch(key);
            }
            case Opcodes.BINUNICODE8, Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> {
                checkLength(key, 8);
                return super.dispatch(key);
            }
            default -> {
                return super.dispatch(key);
            }
        }
        return NO_RETURN_VALUE;
    }

    /** Refuses a length prefix larger than what is left of the pickle, before Pyrolite allocates that much. */
    private void checkLength(short opcode, int prefixBytes) throws IOException {
        input.mark(prefixBytes);
        byte[] b = input.readNBytes(prefixBytes);
        input.reset();
        if (b.length < prefixBytes) throw new Refused("pickle ends inside the length of opcode " + opcodeName(opcode));
        long length = 0;
        for (int i = prefixBytes - 1; i >= 0; i--) length = (length << 8) | (b[i] & 0xff);
        long left = input.available() - prefixBytes;
        if (length < 0 || length > left) {
            throw new Refused("opcode " + opcodeName(opcode) + " declares " + length + " bytes but only " + left
                    + " are left in the pickle (truncated or corrupt)");
        }
    }

    /** Refuses a decimal number line longer than {@value #MAX_DECIMAL_LINE} characters before Pyrolite parses it. */
    private void checkLine(short opcode) throws IOException {
        input.mark(MAX_DECIMAL_LINE + 1);
        byte[] b = input.readNBytes(MAX_DECIMAL_LINE + 1);
        input.reset();
        for (byte c : b) if (c == '\n') return;
        throw new Refused("opcode " + opcodeName(opcode) + " has no number of at most " + MAX_DECIMAL_LINE
                + " characters" + (b.length <= MAX_DECIMAL_LINE ? " (the pickle ends)" : ""));
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> asDict(Object o) {
        if (!(o instanceof Map)) throw new Refused("SETITEM(S) on a " + typeName(o) + ", not a dict");
        return (Map<Object, Object>) o;
    }

    private static void putPairs(Map<Object, Object> dict, List<Object> items) {
        if (items.size() % 2 != 0) throw new Refused("odd number of items for a dict: " + items.size());
        for (int i = 0; i < items.size(); i += 2) put(dict, items.get(i), items.get(i + 1));
    }

    /** {@code dict[key] = value}; like Python, refuses unhashable keys (Java would hash a list or dict deeply). */
    private static void put(Map<Object, Object> dict, Object key, Object value) {
        if (key instanceof Collection<?> || key instanceof Map<?, ?>) {
            throw new Refused("unhashable dict key of type " + typeName(key));
        }
        dict.put(key, value);
    }

    private static void build(Object target, Object state) {
        if (target instanceof PickledObject o) o.setState(state);
        else if (target instanceof OrderedDict d) d.state = state;
        else if (!(target instanceof StoredTensor)) { // tensor state (requires_grad flags, hooks…) is not needed
            throw new Refused("BUILD on a " + typeName(target) + " is not supported");
        }
    }

    /** What GLOBAL module.name stands for: a constructor applied by REDUCE/NEWOBJ, or a storage dtype tag. */
    private IObjectConstructor resolveGlobal(String module, String name) {
        String qualified = module + "." + name;
        switch (qualified) {
            case "collections.OrderedDict":
                return args -> {
                    OrderedDict d = new OrderedDict();
                    if (args.length == 1 && args[0] instanceof List<?> pairs) { // OrderedDict([(k, v), ...])
                        for (Object p : pairs) {
                            if (!(p instanceof Object[] kv) || kv.length != 2) throw new Refused("OrderedDict item is not a pair");
                            put(d, kv[0], kv[1]);
                        }
                    }
                    return d;
                };
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                return this::rebuildTensor;
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return args -> requireTensor(args[0], "parameter data");
            case "torch._tensor._rebuild_from_type_v2": // (func, subclass, func_args, state)
                return args -> ((IObjectConstructor) args[0]).construct((Object[]) args[2]);
            case "torch.jit._pickle.build_intlist":
            case "torch.jit._pickle.build_doublelist":
            case "torch.jit._pickle.build_boollist":
            case "torch.jit._pickle.build_tensorlist":
            case "torch.jit._pickle.build_genericlist":
            case "torch.jit._pickle.restore_type_tag":
                return args -> args[0];
            default:
                if (module.equals("torch") && name.endsWith("Storage")) return new StorageType(name, STORAGE_TYPES.get(name));
                return args -> new PickledObject(qualified, args);
        }
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private Object rebuildTensor(Object[] args) {
        if (args.length < 4) throw new Refused("_rebuild_tensor needs (storage, offset, size, stride), got "
                + args.length + " arguments");
        if (!(args[0] instanceof StorageRef s)) throw new Refused("tensor storage is a " + typeName(args[0]));
        long offset = toLong(args[1], "storage offset");
        long[] shape = toLongs(args[2], "size");
        long[] stride = toLongs(args[3], "stride");
        if (shape.length != stride.length) {
            throw new Refused("tensor size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                    + " differ in rank");
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || stride[i] < 0) {
                throw new Refused("negative size or stride: size " + Arrays.toString(shape) + ", stride "
                        + Arrays.toString(stride));
            }
        }
        if (offset < 0) throw new Refused("negative storage offset " + offset);
        return new StoredTensor(s.key(), s.dtype(), s.numel(), offset, shape, stride);
    }

    /** Persistent id {@code ('storage', torch.XStorage, key, location, numel)}; one StorageRef per key. */
    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0])) {
            throw new Refused("unsupported persistent id (a " + typeName(pid)
                    + (pid instanceof Object[] t ? " of " + t.length : "")
                    + "), expected ('storage', torch.XStorage, key, location, numel)");
        }
        if (!(t[1] instanceof StorageType type)) throw new Refused("storage type is a " + typeName(t[1]));
        if (type.dtype() == null) {
            throw new Refused("unsupported storage type " + Names.quote("torch." + type.name()) + " (supported: "
                    + String.join(", ", STORAGE_TYPES.keySet().stream().sorted().toList()) + ")");
        }
        if (!(t[2] instanceof String key)) throw new Refused("storage key is a " + typeName(t[2]) + ", not a str");
        long numel = toLong(t[4], "storage numel");
        if (numel < 0) throw new Refused("storage " + Names.quote(key) + " has negative numel " + numel);
        StorageRef ref = new StorageRef(key, type.dtype(), numel);
        StorageRef seen = storages.putIfAbsent(key, ref);
        if (seen != null && !seen.equals(ref)) {
            throw new Refused("storage " + Names.quote(key) + " is declared twice differently: " + seen.numel()
                    + " elements of " + seen.dtype() + ", then " + numel + " of " + ref.dtype());
        }
        return ref;
    }

    private static StoredTensor requireTensor(Object o, String what) {
        if (o instanceof StoredTensor t) return t;
        throw new Refused(what + " is a " + typeName(o) + ", not a tensor");
    }

    static long toLong(Object o, String what) {
        if (o instanceof Integer || o instanceof Long) return ((Number) o).longValue();
        if (o instanceof BigInteger b && b.bitLength() < 64) return b.longValue();
        throw new Refused(what + " is " + (o instanceof BigInteger ? "an int beyond 64 bits" : "a " + typeName(o))
                + ", not a 64-bit integer");
    }

    private static long[] toLongs(Object o, String what) {
        Object[] items = o instanceof Object[] a ? a : o instanceof List<?> l ? l.toArray() : null;
        if (items == null) throw new Refused("tensor " + what + " is a " + typeName(o) + ", not a tuple");
        long[] out = new long[items.length];
        for (int i = 0; i < items.length; i++) out[i] = toLong(items[i], "tensor " + what + "[" + i + "]");
        return out;
    }

    /** The Python name of an unpickled value's type, for messages: "dict", "tensor", "int", a class name… */
    static String typeName(Object o) {
        if (o == null) return "None";
        if (o instanceof PickledObject p) return Names.quote(p.className());
        if (o instanceof StoredTensor) return "tensor";
        if (o instanceof Map) return "dict";
        if (o instanceof List) return "list";
        if (o instanceof Object[]) return "tuple";
        if (o instanceof String) return "str";
        if (o instanceof Integer || o instanceof Long || o instanceof BigInteger) return "int";
        if (o instanceof Double) return "float";
        if (o instanceof Boolean) return "bool";
        return o.getClass().getSimpleName();
    }

    /** An opcode as pickletools shows it: its character when printable, else hex. */
    private static String opcodeName(short opcode) {
        return opcode >= 0x20 && opcode < 0x7f ? "'" + (char) opcode + "'" : String.format("0x%02x", opcode);
    }
}
