"""The encoder-decoder interfaces for TensorFlow (explained in "The encoder-decoder architecture")."""

import keras

__all__ = ["Decoder", "Encoder", "EncoderDecoder"]


class Encoder(keras.layers.Layer):
    """The base encoder: ``call(X, *args, training=None)`` turns an input sequence into a state.

    Subclasses implement ``call``. Explained in "The encoder-decoder architecture".
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def __call__(self, *args, **kwargs):
        # Raised here, before Keras's __call__, which would wrap the message in its call report.
        if type(self).call is Encoder.call:
            raise NotImplementedError(f"{type(self).__name__} must implement call(X, *args, training=None)")
        return super().__call__(*args, **kwargs)

    def call(self, X, *args, training=None):
        raise NotImplementedError(f"{type(self).__name__} must implement call(X, *args, training=None)")


class Decoder(keras.layers.Layer):
    """The base decoder: ``init_state(enc_outputs, *args)`` makes its first state from the
    encoder's outputs; ``call(X, state, training=None)`` returns ``(output, state)``.

    Subclasses implement both. Explained in "The encoder-decoder architecture".
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def init_state(self, enc_outputs, *args):
        raise NotImplementedError(f"{type(self).__name__} must implement init_state(enc_outputs, *args)")

    def __call__(self, *args, **kwargs):
        # Raised here, before Keras's __call__, which would wrap the message in its call report.
        if type(self).call is Decoder.call:
            raise NotImplementedError(f"{type(self).__name__} must implement call(X, state, training=None)")
        return super().__call__(*args, **kwargs)

    def call(self, X, state, training=None):
        raise NotImplementedError(f"{type(self).__name__} must implement call(X, state, training=None)")


class EncoderDecoder(keras.Model):
    """An encoder and a decoder trained together: ``call(enc_X, dec_X, *args, training=None)``
    encodes ``enc_X``, initialises the decoder's state from it and decodes ``dec_X``; returns
    the decoder's ``(output, state)``. Explained in "The encoder-decoder architecture".
    """

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(encoder, Encoder):
            raise TypeError(f"encoder must be an Encoder, got {type(encoder).__name__}")
        if not isinstance(decoder, Decoder):
            raise TypeError(f"decoder must be a Decoder, got {type(decoder).__name__}")
        self.encoder = encoder
        self.decoder = decoder

    def build(self, *args, **kwargs):
        # The encoder and the decoder build themselves on the first call. Without this, Keras
        # tries to build the model by calling it with its symbolic inputs and warns about the
        # extra positional arguments (``enc_valid_len``) on every first call.
        self.built = True

    def call(self, enc_X, dec_X, *args, training=None):
        enc_outputs = self.encoder(enc_X, *args, training=training)
        dec_state = self.decoder.init_state(enc_outputs, *args)
        return self.decoder(dec_X, dec_state, training=training)
