"""Concise multilayer perceptrons (book §5.2.2, §5.6.3)."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from dive.models.registry import register_model


@register_model("mlp", input_shape=(1, 28, 28))
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU -> (Dropout)] per hidden size -> Linear. (n, 1, 28, 28) -> logits (n, q)."""

    def __init__(
        self,
        num_inputs: int = 28 * 28,
        num_outputs: int = 10,
        num_hiddens: Sequence[int] = (256,),
        dropouts: Sequence[float] = (),
    ) -> None:
        super().__init__()
        if dropouts and len(dropouts) != len(num_hiddens):
            raise ValueError("give one dropout probability per hidden layer")
        layers: list[nn.Module] = [nn.Flatten()]
        sizes = [num_inputs, *num_hiddens]
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers += [nn.Linear(a, b), nn.ReLU()]
            if dropouts and dropouts[i] > 0:
                layers.append(nn.Dropout(dropouts[i]))
        layers.append(nn.Linear(sizes[-1], num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, X: Tensor) -> Tensor:
        return self.net(X)


@register_model("dropout-mlp", input_shape=(1, 28, 28))
def dropout_mlp(
    num_outputs: int = 10, num_hiddens: Sequence[int] = (256, 256), dropouts: Sequence[float] = (0.5, 0.5)
) -> MLP:
    """The book's dropout network (§5.6.3): two hidden layers of 256, dropout 0.5 after each."""
    return MLP(num_outputs=num_outputs, num_hiddens=num_hiddens, dropouts=dropouts)
