import math

import torch

from dive.data import fake_image_sets, linear_data, polynomial_data, weight_decay_data


def test_linear_data_follows_the_book():
    X, y = linear_data(num_examples=2000, seed=0)
    assert X.shape == (2000, 2) and y.shape == (2000, 1)
    w, *_ = torch.linalg.lstsq(torch.cat([X, torch.ones(2000, 1)], 1), y)
    assert torch.allclose(w.reshape(-1), torch.tensor([2.0, -3.4, 4.2]), atol=0.01)
    assert torch.equal(linear_data(seed=5)[0], linear_data(seed=5)[0])


def test_polynomial_features_are_scaled_powers():
    features, labels = polynomial_data(n_train=3, n_test=2, seed=0)
    assert features.shape == (5, 20) and labels.shape == (5, 1)
    x = features[:, 1]
    assert torch.allclose(features[:, 0], torch.ones(5))
    assert torch.allclose(features[:, 3], x**3 / math.factorial(3))


def test_weight_decay_data_shape():
    X, y = weight_decay_data(num_train=20, num_test=100, num_inputs=200)
    assert X.shape == (120, 200) and y.shape == (120, 1)


def test_fake_images_have_fashion_mnist_shapes_and_learnable_classes():
    train, test = fake_image_sets(n_train=200, n_test=100)
    assert train.images.shape == (200, 28, 28) and train.images.dtype == torch.uint8
    assert train.labels.max() < 10
    # nearest class mean classifies well: the classes carry signal
    means = torch.stack([train.images[train.labels == c].float().mean(0) for c in range(10)])
    d = ((test.images.float()[:, None] - means[None]) ** 2).sum((2, 3))
    assert (d.argmin(1) == test.labels).float().mean() > 0.9
