"""Dataset files in and out: SAS transport v5, Dataset-JSON 1.1, parquet and CSV readers and
writers, the transport-file rules, and the all-or-nothing output folder.

    from dataset_io.readers import read_dataset, conform_to_spec
    from dataset_io.xpt import write_xpt
    from dataset_io.dataset_json import write_dataset_json
    from dataset_io.outputs import output_folder

The package imports nothing until a module is asked for (dataset_io.outputs alone is light).
"""
