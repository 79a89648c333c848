package dev.anomalyedge.training.data;

import java.util.List;

/**
 * A data set that cannot be used. Carries every problem found (missing files with their paths, bad CSV rows, ...),
 * so one run reports them all; the message lists the first {@value #SHOWN}.
 */
public final class DatasetException extends RuntimeException {
    static final int SHOWN = 20;

    private final List<String> problems;

    public DatasetException(String context, List<String> problems) {
        super(format(context, problems));
        this.problems = List.copyOf(problems);
    }

    public DatasetException(String message) {
        this(message, List.of());
    }

    /** Every problem found, uncapped. */
    public List<String> problems() {
        return problems;
    }

    private static String format(String context, List<String> problems) {
        if (problems.isEmpty()) {
            return context;
        }
        StringBuilder sb = new StringBuilder(context).append(" (").append(problems.size())
                .append(problems.size() == 1 ? " problem)" : " problems)");
        for (int i = 0; i < Math.min(SHOWN, problems.size()); i++) {
            sb.append("\n  - ").append(problems.get(i));
        }
        if (problems.size() > SHOWN) {
            sb.append("\n  ... and ").append(problems.size() - SHOWN).append(" more");
        }
        return sb.toString();
    }
}
