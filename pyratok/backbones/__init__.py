"""Video VAE backbones for PyraTok (paper §3.2.3): the frozen encoder/decoder the LaPQ
quantizer attaches to. Modules are imported directly (e.g. `pyratok.backbones.wan_lora`),
so importing this package pulls in no heavy dependency."""
