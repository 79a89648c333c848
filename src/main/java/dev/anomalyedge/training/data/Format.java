package dev.anomalyedge.training.data;

/**
 * Supported data-set layouts (see {@link DatasetLoader} for the exact rules of each).
 */
public enum Format {
    /** MVTec AD: {@code <class>/train/good}, {@code <class>/test/<defect|good>}, {@code <class>/ground_truth/<defect>}. */
    MVTEC,
    /** VisA: {@code split_csv/1cls.csv} with columns object,split,label,image,mask. */
    VISA,
    /** AnomalyCLIP's {@code meta.json} ({@code generate_dataset_json/*.py}). */
    META,
    /** A plain folder: {@code good/} and one folder per defect type, masks optional. */
    FOLDER,
    /** Detect one of the above from the files present. */
    AUTO
}
