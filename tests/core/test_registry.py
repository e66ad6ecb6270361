import pytest

from dive.core import Registry, UnknownNameError


def test_registry_adds_lists_and_refuses_duplicates():
    reg = Registry("thing")
    reg.add("beta", 2)

    @reg.register("alpha")
    def alpha():
        return 1

    assert reg.names() == ["alpha", "beta"]
    assert reg["beta"] == 2 and "alpha" in reg and len(reg) == 2
    with pytest.raises(ValueError, match="already registered"):
        reg.add("beta", 3)


def test_unknown_name_suggests_close_matches():
    reg = Registry("recipe")
    for name in ("softmax", "softmax-scratch", "mlp"):
        reg.add(name, name)
    with pytest.raises(UnknownNameError) as e:
        reg["sofmax"]
    msg = str(e.value)
    assert "unknown recipe 'sofmax'" in msg and "did you mean softmax" in msg and "known: mlp" in msg
