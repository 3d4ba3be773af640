"""A fully connected 3D CRF over (t, y, x) with mean-field inference (paper Appendix B.1).

Krähenbühl & Koltun, "Efficient Inference in Fully Connected CRFs with Gaussian Edge
Potentials" (NeurIPS 2011), extended to video volumes: every voxel is a node, the unary is
``-log p`` of the relevance-map softmax, and two Potts pairwise kernels couple every pair
of voxels,

- smoothness: ``w_g exp(-|Δp|² / 2θ_g²)`` over positions ``p = (t/θ_t, y, x)``;
- appearance: ``w_b exp(-|Δp|² / 2θ_α² - |ΔI|² / 2θ_β²)`` over positions and RGB, so
  neighbouring frames (Δt within a few θ_t) pull similar-coloured pixels to one label.

Uses ``pydensecrf`` (the PyPI distribution ``pydensecrf2``; the original ``pydensecrf``
does not build on Python 3.11) with its N-D ``DenseCRF`` and ``utils.create_pairwise_*``.

Where the time goes (17×256², 3 labels, 5 iterations; results/bench/profiles/crf-17x256.txt):
pydensecrf's C++ does it all — the two permutohedral lattices ~40%, mean-field ~58% — and
the Python glue (unary, feature arrays) ~2%. Both grow with the voxel count, so the one
lever is a coarser grid: ``crf_scale`` (ours, not the paper's; the family's option) runs
the CRF on a grid ``crf_scale`` times as fine (spatial kernel widths scaled with it, so
they cover the same part of the frame; time untouched) and brings the marginals back up
bilinearly (:func:`upsample_marginals`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

INSTALL_HINT = (
    "the 3D CRF needs pydensecrf: pip install pydensecrf2 (it provides the 'pydensecrf' "
    "module), or run with --task-arg crf=false"
)

__all__ = ["CrfParams", "INSTALL_HINT", "crf_available", "refine", "upsample_marginals"]


@dataclass(frozen=True)
class CrfParams:
    """Kernel widths (in voxels of the CRF grid, and RGB levels 0-255) and weights.

    Attributes:
        iterations: mean-field steps.
        gaussian_sxy, gaussian_st, gaussian_weight: the smoothness kernel.
        bilateral_sxy, bilateral_st, bilateral_srgb, bilateral_weight: the appearance one.
    """

    iterations: int = 5
    gaussian_sxy: float = 3.0
    gaussian_st: float = 1.0
    gaussian_weight: float = 3.0
    bilateral_sxy: float = 40.0
    bilateral_st: float = 2.0
    bilateral_srgb: float = 13.0
    bilateral_weight: float = 10.0

    def scaled(self, scale: float) -> CrfParams:
        """The same kernels on a grid ``scale`` times as fine: spatial widths (voxels) times
        ``scale``; the temporal widths, the colour width and the weights unchanged."""
        if scale == 1.0:
            return self
        return replace(self, gaussian_sxy=self.gaussian_sxy * scale,
                       bilateral_sxy=self.bilateral_sxy * scale)


def crf_available() -> bool:
    try:
        import pydensecrf.densecrf  # noqa: F401
    except ImportError:
        return False
    return True


def refine(probabilities: np.ndarray, frames: np.ndarray, params: CrfParams) -> np.ndarray:
    """Mean-field marginals of the 3D CRF.

    Args:
        probabilities: ``(k, t, h, w)`` float, a distribution over ``k`` labels per voxel.
        frames: ``(t, h, w, 3)`` uint8 RGB on the same grid.
        params: kernels and iterations.

    Returns:
        ``(k, t, h, w)`` float32 marginals.

    Raises:
        ImportError: pydensecrf is missing (the message says how to install it).
    """
    try:
        import pydensecrf.densecrf as dcrf
        from pydensecrf.utils import create_pairwise_bilateral, create_pairwise_gaussian
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    k, t, h, w = probabilities.shape
    if frames.shape != (t, h, w, 3):
        raise ValueError(f"frames {frames.shape} do not match probabilities {probabilities.shape}")
    crf = dcrf.DenseCRF(t * h * w, k)
    unary = -np.log(np.clip(probabilities, 1e-8, 1.0)).reshape(k, -1)
    crf.setUnaryEnergy(np.ascontiguousarray(unary, dtype=np.float32))
    p = params
    smooth = create_pairwise_gaussian(sdims=(p.gaussian_st, p.gaussian_sxy, p.gaussian_sxy),
                                      shape=(t, h, w))
    crf.addPairwiseEnergy(np.ascontiguousarray(smooth, dtype=np.float32),
                          compat=p.gaussian_weight)
    del smooth
    appearance = create_pairwise_bilateral(
        sdims=(p.bilateral_st, p.bilateral_sxy, p.bilateral_sxy),
        schan=(p.bilateral_srgb,) * 3, img=frames, chdim=3,
    )
    crf.addPairwiseEnergy(np.ascontiguousarray(appearance, dtype=np.float32),
                          compat=p.bilateral_weight)
    del appearance
    marginals = np.asarray(crf.inference(p.iterations), dtype=np.float32)
    return marginals.reshape(k, t, h, w)


def upsample_marginals(marginals: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """``(k, t, h', w')`` marginals on the ``(gh, gw)`` grid, bilinear per frame (pixel
    centres aligned, as ``to_grid`` aligns them); still a distribution per voxel.

    Returns:
        ``(k, t, gh, gw)`` float32.
    """
    import torch
    import torch.nn.functional as F

    if tuple(marginals.shape[-2:]) == tuple(grid):
        return marginals
    values = torch.from_numpy(np.ascontiguousarray(marginals, dtype=np.float32))
    up = F.interpolate(values, size=tuple(grid), mode="bilinear", align_corners=False)
    return up.numpy()
