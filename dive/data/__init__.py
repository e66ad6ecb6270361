"""data: datasets and loaders, checksum-verified files, synthetic stand-ins for tests."""

from dive.data.catalog import AIRFOIL, DATASETS, FASHION_MNIST, KAGGLE_HOUSE, TIME_MACHINE
from dive.data.fashion_mnist import (
    TEXT_LABELS,
    ImageBatch,
    ImageSet,
    image_loaders,
    load_fashion_mnist,
    read_idx,
    text_labels,
)
from dive.data.files import (
    ChecksumError,
    DataFile,
    DataNotFoundError,
    DatasetSpec,
    download,
    download_dataset,
    locate,
    search_dirs,
    sha256_of,
    verify_file,
)
from dive.data.kaggle_house import HousePreprocessor, fake_house_frames, k_fold_indices, labels_of, read_kaggle_house
from dive.data.loader import ArrayLoader
from dive.data.sequences import RandomSeqLoader, SequentialSeqLoader, window_loaders, windows
from dive.data.synthetic import (
    fake_image_sets,
    fake_text,
    linear_data,
    polynomial_data,
    sine_data,
    weight_decay_data,
)
from dive.data.timemachine import Corpus, build_corpus, load_time_machine, read_time_machine

__all__ = [
    "AIRFOIL",
    "DATASETS",
    "FASHION_MNIST",
    "KAGGLE_HOUSE",
    "TEXT_LABELS",
    "TIME_MACHINE",
    "ArrayLoader",
    "RandomSeqLoader",
    "SequentialSeqLoader",
    "ChecksumError",
    "Corpus",
    "DataFile",
    "DataNotFoundError",
    "DatasetSpec",
    "HousePreprocessor",
    "ImageBatch",
    "ImageSet",
    "build_corpus",
    "download",
    "download_dataset",
    "fake_house_frames",
    "fake_image_sets",
    "fake_text",
    "image_loaders",
    "k_fold_indices",
    "labels_of",
    "linear_data",
    "load_fashion_mnist",
    "load_time_machine",
    "locate",
    "polynomial_data",
    "read_idx",
    "read_kaggle_house",
    "read_time_machine",
    "search_dirs",
    "sha256_of",
    "sine_data",
    "text_labels",
    "verify_file",
    "weight_decay_data",
    "window_loaders",
    "windows",
]
