import pytest

import d2lutils as d2l

num_epochs = 10
lr = 1
batch_size = 256
flag = True


def test_good_parameters_pass():
    d2l.check_parameters(num_epochs=int, lr=float, batch_size=int)


def test_wrong_type_names_the_parameter():
    global num_epochs
    num_epochs = "ten"
    try:
        with pytest.raises(TypeError, match="parameter 'num_epochs' must be int, got str 'ten'"):
            d2l.check_parameters(num_epochs=int, lr=float)
    finally:
        num_epochs = 10


def test_bool_is_not_a_number_and_missing_is_reported():
    with pytest.raises(TypeError, match="'flag' must be int"):
        d2l.check_parameters(flag=int)
    with pytest.raises(NameError, match="'epochs' is not defined"):
        d2l.check_parameters(epochs=int)
