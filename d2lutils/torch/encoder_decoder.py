"""The encoder-decoder interfaces for PyTorch (explained in "The encoder-decoder architecture")."""

from torch import nn

__all__ = ["Decoder", "Encoder", "EncoderDecoder"]


class Encoder(nn.Module):
    """The base encoder: ``forward(X, *args)`` turns an input sequence into a state.

    Subclasses implement ``forward``. Explained in "The encoder-decoder architecture".
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def forward(self, X, *args):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(X, *args)")


class Decoder(nn.Module):
    """The base decoder: ``init_state(enc_outputs, *args)`` makes its first state from the
    encoder's outputs; ``forward(X, state)`` returns ``(output, state)``.

    Subclasses implement both. Explained in "The encoder-decoder architecture".
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def init_state(self, enc_outputs, *args):
        raise NotImplementedError(f"{type(self).__name__} must implement init_state(enc_outputs, *args)")

    def forward(self, X, state):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(X, state)")


class EncoderDecoder(nn.Module):
    """An encoder and a decoder trained together: ``forward(enc_X, dec_X, *args)`` encodes
    ``enc_X``, initialises the decoder's state from it and decodes ``dec_X``; returns the
    decoder's ``(output, state)``. Explained in "The encoder-decoder architecture".
    """

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(encoder, Encoder):
            raise TypeError(f"encoder must be an Encoder, got {type(encoder).__name__}")
        if not isinstance(decoder, Decoder):
            raise TypeError(f"decoder must be a Decoder, got {type(decoder).__name__}")
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, *args):
        enc_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_outputs, *args)
        return self.decoder(dec_X, dec_state)
