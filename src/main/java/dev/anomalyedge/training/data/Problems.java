package dev.anomalyedge.training.data;

import java.util.ArrayList;
import java.util.List;

/** Collects errors and warnings while a data set is read, so that all of them are reported at once. */
final class Problems {
    final List<String> errors = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    void error(String message) {
        errors.add(message);
    }

    void warn(String message) {
        warnings.add(message);
    }

    /** Throws one {@link DatasetException} listing every error so far, if there is any. */
    void throwIfAny(String context) {
        if (!errors.isEmpty()) {
            throw new DatasetException(context, errors);
        }
    }
}
