"""``vq``: a quantizer trained on a continuous tokenizer's latent — the cheapest discrete
baseline beside every continuous one.

- ``quantizer``: :class:`LatentQuantizer`, FSQ / LFQ / residual VQ from
  ``vector-quantize-pytorch`` applied to each latent cell (a 1×1×1 bottleneck);
- ``folder``: the trained quantizer on disk (``config.json`` + ``model.safetensors``), written
  atomically, with what it was trained on;
- ``train``: the fit (MSE to the base latent + the quantizer's own auxiliary losses);
- ``adapter``: the ``vq`` registry tokenizer (base encode → quantize → base decode).

``python -m benchmarks.train_vq`` trains one on the bundled WebVid demo clips.
"""
