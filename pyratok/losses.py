"""The PyraTok training objective (paper §3.2.4) and every term in it.

    L = λ_recon L_recon + λ_codebook L_codebook + λ_AR L_AR + λ_drift L_drift
    defaults (Appendix D): λ_recon 2.5, λ_codebook 2.5, λ_AR 1.5, λ_drift 0.6.

L_recon (§3.2.4) = w_l1 |x̂ - x|_1 + w_ssim (1 - SSIM(x̂, x)) [+ LPIPS]. SSIM: Gaussian
    11x11 window, σ = 1.5, K1 = 0.01, K2 = 0.03 (Wang et al. 2004), per frame on [0, 1]
    values, averaged. LPIPS needs pretrained AlexNet/VGG weights that cannot be had
    offline; the term is skipped (one log line says so) — never computed with random weights.

L_codebook (Eq. 2) = Σ_l [ w_commit C_l + w_entropy E_l + w_hier H_l + w_tc T_l + w_tcb B_l ]:
  C_l  vision-commitment ||z^(l) - sg(q^(l))||² — pulls the pre-quantization features to
       their binary codeword (MAGVIT-v2's commitment; VQ adds the codebook term, `quantizers`).
  E_l  entropy regularisation E_tokens[H(p(c|z))] - H(E_tokens[p(c|z)]), p(c|z) ∝
       exp(-||z - c||²/τ) (MAGVIT-v2 Eq. 5; exact form and grouping in `lfq.py`).
  H_l  hierarchical consistency (l >= 2), KL(p^(l) || sg(R p^(l-1))): p are the per-token
       soft assignments (LFQ: per-bit Bernoulli P(bit=1) = sigmoid(4z/τ); VQ: softmax over
       the codebook), R averages level l-1's distributions onto level l's grid (a mixture of
       the finer tokens that the coarse token covers). The finer level is the target
       (stop-gradient) so the deeper level is asked to be consistent with the finer one,
       not the reverse.
  T_l  text-conditioned alignment, KL(P_target || P_l): the paper leaves both
       distributions open. P_l(j | video) = softmax_j(s <v_l, u_j>) over the texts j of the
       batch plus a bank of recent captions, v_l = the level's clip embedding (attention
       pooling of its aligned features over its tokens, `LaPQ.pool`),
       u_j = normalize(W_text e_j) (= `embed_text`), s a learned logit scale (CLIP init
       1/0.07). P_target(j) = softmax_j(cos(e_i, e_j) / τ_t) is derived from the frozen
       text embeddings (τ_t = `text_target_temperature`, 0.05): captions that share
       shape / motion words with the clip's own caption keep some mass, so the clip
       embedding learns the text space's geometry, not only which caption is its own
       (τ_t = 0: uniform over identical captions). The pooling over tokens sits inside
       the KL (a token-level KL would force background tokens to name the caption);
       zero-shot classification uses the same pooled embedding.
  B_l  text-codebook alignment, KL(ū_l || π(sg(e_t))): ū_l is the clip's average soft
       assignment at level l (its codebook usage), π the distribution over the codebook
       that the text induces through the level's linear codeword embedding W_l (the
       linear part of its feature map, see `lapq.py`): p(c | t) ∝ exp(<W_l c, sg(u_t)>),
       which factorises per bit for LFQ (P(bit=1) = sigmoid(2 W_l^T u_t)), so the KL over
       all 2^16 codewords is exact and cheap. It aligns the codebook, not the
       assignments: ū_l is detached too, so only the codewords' semantic embedding W_l
       moves (a sharp text prior must not pull every token of a clip to the same bits).

L_AR (§3.2.2 ②): nats per pooled visual token of a small causal transformer (`ar.py`)
    predicting [SOI] q(1) [Q-SEP] ... q(L) from the caption (a null token where the
    encoder's text was dropped).

L_drift (§3.2.3) = KL(adapted || reference) of `pyratok.drift.drift_kl`: the deepest encoder
    map, projected by a learned 1x1 head to the reference width and resampled to its grid,
    against a frozen reference encoder (EfficientNet-Lite0 stride 16 here; DINOv3 in the
    paper) on the last frame of each deepest latent step of the same masked clip.

A weight of 0 switches a term off: it is then not computed at all.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import Tensor, nn

from pyratok.ar import ARAlignment
from pyratok.config import TrainConfig
from pyratok.lapq import resample_codes

log = logging.getLogger("pyratok")

# reconstruction


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> Tensor:
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    return g / g.sum()


def ssim(pred: Tensor, target: Tensor, *, data_range: float = 1.0) -> Tensor:
    """Mean SSIM over frames of (b, c, t, h, w) videos (Gaussian 11x11, σ 1.5, valid)."""
    x = rearrange(pred, "b c t h w -> (b t) c h w").float()
    y = rearrange(target, "b c t h w -> (b t) c h w").float()
    c = x.shape[1]
    g = _gaussian_window().to(x.device)
    kx = g.view(1, 1, 1, -1).expand(c, 1, 1, -1)
    ky = g.view(1, 1, -1, 1).expand(c, 1, -1, 1)

    def blur(v: Tensor) -> Tensor:
        return F.conv2d(F.conv2d(v, kx, groups=c), ky, groups=c)

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_x, mu_y = blur(x), blur(y)
    sxx = blur(x * x) - mu_x**2
    syy = blur(y * y) - mu_y**2
    sxy = blur(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2)
    )
    return ssim_map.mean()


# objective


@dataclass
class LossOutput:
    total: Tensor  # scalar to backpropagate
    terms: dict[str, float]  # unweighted values of the active terms, for logging


class PyraTokObjective(nn.Module):
    """All loss terms plus their learned parts (AR transformer, drift head, logit scale).

    Lives next to the model, not inside it: nothing here is needed to tokenize.
    """

    def __init__(self, model: nn.Module, train: TrainConfig):
        super().__init__()
        self.cfg = train
        mcfg = model.config
        self.levels = model.lapq.num_levels
        self.ar = (
            ARAlignment(code_dim=mcfg.code_dim, text_dim=mcfg.text_dim, levels=self.levels,
                        width=train.ar_width, depth=train.ar_depth, pool=train.ar_pool)
            if train.lambda_ar > 0 else None
        )
        self.drift_head = None
        if train.lambda_drift > 0:
            from pyratok.drift import create_drift_reference

            reference = create_drift_reference(train.drift_reference, train.drift_reference_path)
            self.__dict__["reference"] = reference  # frozen, not a submodule / not saved
            deep_channels = _deepest_channels(model)
            self.drift_head = nn.Linear(deep_channels, int(reference.dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.register_buffer("text_bank", torch.zeros(train.text_bank, mcfg.text_dim))
        self.register_buffer("bank_size", torch.zeros((), dtype=torch.long))
        self.register_buffer("bank_ptr", torch.zeros((), dtype=torch.long))
        self._lpips_noted = False

    def active_terms(self) -> list[str]:
        c = self.cfg
        names = []
        if c.lambda_recon > 0:
            names += [n for n, w in (("l1", c.w_l1), ("ssim", c.w_ssim)) if w > 0]
            names.append("lpips(skipped: no weights offline)")
        if c.lambda_codebook > 0:
            names += [n for n, w in (("commit", c.w_commit), ("entropy", c.w_entropy),
                                     ("hier_kl", c.w_hier_kl), ("text_cond", c.w_text_cond),
                                     ("text_codebook", c.w_text_codebook)) if w > 0]
        if c.lambda_ar > 0:
            names.append("ar")
        if c.lambda_drift > 0:
            names.append(f"drift({c.drift_reference})")
        return names

    def forward(self, model: nn.Module, fwd, target: Tensor, masked: Tensor,
                texts: list[str] | None, *, align_scale: float = 1.0,
                quant_scale: float = 1.0) -> LossOutput:
        """
        Args:
            model: the PyraTok being trained.
            fwd: its `TrainForward` on `masked`.
            target: (b, 3, t, h, w) the clean clip in [-1, 1] (reconstruction target).
            masked: (b, 3, t, h, w) the masked clip the model saw (drift reference input).
            texts: the b captions (always given to the losses, even when dropped in encoding).
            align_scale: multiplies the alignment terms (hier_kl, text_cond, text_codebook,
                ar, drift) for staged training.
            quant_scale: multiplies commitment and entropy (0 while the quantizer is
                bypassed: a continuous warm-up has no quantizer to regularise).
        """
        c = self.cfg
        terms: dict[str, Tensor] = {}
        total = target.new_zeros(())
        if c.lambda_recon > 0:
            if not self._lpips_noted:
                log.info("L_recon: LPIPS term skipped (no LPIPS weights offline; "
                         "random-weight LPIPS would be meaningless)")
                self._lpips_noted = True
            recon = 0.0
            if c.w_l1 > 0:
                terms["l1"] = (fwd.recon - target).abs().mean()
                recon = recon + c.w_l1 * terms["l1"]
            if c.w_ssim > 0:
                terms["ssim"] = 1 - ssim((fwd.recon + 1) / 2, (target + 1) / 2)
                recon = recon + c.w_ssim * terms["ssim"]
            total = total + c.lambda_recon * recon
        text_pooled = None
        if texts is not None and (c.w_text_cond > 0 or c.w_text_codebook > 0 or self.ar):
            text_pooled = fwd.text_pooled
            if text_pooled is None:
                text_pooled = model.text_encoder.encode(list(texts)).pooled.to(target.device)
        if c.lambda_codebook > 0:
            book = self._codebook_terms(model, fwd, text_pooled)
            terms.update(book)
            a = align_scale
            weights = {"commit": quant_scale * c.w_commit, "entropy": quant_scale * c.w_entropy,
                       "hier_kl": a * c.w_hier_kl,
                       "text_cond": a * c.w_text_cond, "text_codebook": a * c.w_text_codebook}
            total = total + c.lambda_codebook * sum(weights[k] * v for k, v in book.items())
        if self.ar is not None:
            ar = self.ar([lv.codes for lv in fwd.lapq.levels], text_pooled, fwd.text_present)
            terms["ar"] = ar.loss
            terms["ar_bit_acc"] = ar.bit_accuracy
            total = total + align_scale * c.lambda_ar * ar.loss
        if self.drift_head is not None:
            terms["drift"] = self._drift(model, fwd, masked)
            total = total + align_scale * c.lambda_drift * terms["drift"]
        if text_pooled is not None:
            self._push_bank(text_pooled.detach())
        for q in fwd.lapq.quantized:  # logging only
            terms["H_token"] = terms.get("H_token", 0) + q.per_token_entropy.detach()
            terms["H_codebook"] = terms.get("H_codebook", 0) + q.codebook_entropy.detach()
        logged = {k: float(v.detach()) if torch.is_tensor(v) else float(v)
                  for k, v in terms.items()}
        return LossOutput(total=total, terms=logged)

    # ---- Eq. 2 -------------------------------------------------------------------------

    def _codebook_terms(self, model, fwd, text_pooled: Tensor | None) -> dict[str, Tensor]:
        c, quantizer, out = self.cfg, model.quantizer, fwd.lapq
        terms: dict[str, Tensor] = {}
        if c.w_commit > 0:
            terms["commit"] = sum(q.commit_loss for q in out.quantized)
        if c.w_entropy > 0:
            terms["entropy"] = sum(q.entropy_loss for q in out.quantized)
        if c.w_hier_kl > 0 and len(out.levels) > 1:
            hier = 0.0
            for i in range(1, len(out.levels)):
                grid = tuple(out.levels[i].indices.shape[1:])
                prev_grid = tuple(out.levels[i - 1].indices.shape[1:])
                prev = _soft_to_grid(out.quantized[i - 1].soft.detach(), prev_grid, grid)
                hier = hier + quantizer.kl(out.quantized[i].soft, prev).mean()
            terms["hier_kl"] = hier
        if text_pooled is not None and c.w_text_cond > 0:
            terms["text_cond"] = self._text_conditioned(model, out, text_pooled)
        if text_pooled is not None and c.w_text_codebook > 0:
            u = model.project_text(text_pooled).detach()  # sg(e_t)
            tcb = 0.0
            for i, q in enumerate(out.quantized):
                # the clip's average assignment weights the codewords; detached, so this
                # term moves the codebook's semantic embedding W_l, never the encoder
                usage = q.soft.mean(1).detach()  # (b, ...)
                direction = u @ model.lapq.semantic[i].weight  # (b, d) = W_l^T u
                tcb = tcb + quantizer.kl(usage, quantizer.text_prior(direction)).mean()
            terms["text_codebook"] = tcb
        return terms

    def _text_conditioned(self, model, out, text_pooled: Tensor) -> Tensor:
        bank = self.text_bank[: int(self.bank_size)]
        all_text = torch.cat([text_pooled, bank], 0)  # (b + m, text_dim)
        u = model.project_text(all_text)  # (b + m, d_sem)
        cos = F.normalize(text_pooled, dim=-1) @ F.normalize(all_text, dim=-1).T  # (b, b + m)
        if self.cfg.text_target_temperature > 0:  # the text's own similarity structure
            target = F.softmax(cos / self.cfg.text_target_temperature, -1)
        else:  # uniform over identical captions
            same = (cos > 0.999).float()
            target = same / same.sum(-1, keepdim=True)
        scale = self.logit_scale.clamp(max=math.log(100)).exp()
        loss = 0.0
        for i, level in enumerate(out.levels):
            v = model.lapq.pool(level.features, i)  # (b, d_sem) clip embedding
            log_p = F.log_softmax(scale * v @ u.T, -1)
            loss = loss + (target * (target.clamp_min(1e-12).log() - log_p)).sum(-1).mean()
        return loss

    # ---- drift ---------------------------------------------------------------------------

    def _drift(self, model, fwd, masked: Tensor) -> Tensor:
        from pyratok.drift import drift_kl

        deep = fwd.encoder_levels[-1]  # (b, C, t_L, h_L, w_L)
        t_stride = model.level_strides[-1][0]
        frames = [min(k * t_stride, masked.shape[2] - 1) for k in range(deep.shape[2])]
        with torch.no_grad():
            ref = self.reference.features(masked[:, :, frames])  # (b, t_L, d, h_r, w_r)
        adapted = self.drift_head(rearrange(deep, "b c t h w -> b t h w c"))
        adapted = rearrange(adapted, "b t h w d -> b d t h w")
        adapted = resample_codes(adapted, (ref.shape[1], ref.shape[3], ref.shape[4]))
        return drift_kl(rearrange(adapted, "b d t h w -> b t d h w"), ref)

    def _push_bank(self, pooled: Tensor) -> None:
        m = self.text_bank.shape[0]
        if m == 0:
            return
        for row in pooled[:m]:
            self.text_bank[int(self.bank_ptr)] = row
            self.bank_ptr.fill_((int(self.bank_ptr) + 1) % m)
        self.bank_size.fill_(min(int(self.bank_size) + pooled.shape[0], m))


def _deepest_channels(model) -> int:
    if model.backbone is None:
        return model.config.stage_channels[model.level_stages[-1]]
    return model.backbone.level_channels[model.level_stages[-1]]


def _soft_to_grid(soft: Tensor, grid_in: tuple, grid_out: tuple) -> Tensor:
    """Resample per-token distributions (b, n, ...) from one token grid to another."""
    b, n = soft.shape[:2]
    trailing = soft.shape[2:]
    x = rearrange(soft.reshape(b, n, -1), "b (t h w) k -> b k t h w",
                  t=grid_in[0], h=grid_in[1], w=grid_in[2])
    x = resample_codes(x, grid_out)
    return rearrange(x, "b k t h w -> b (t h w) k").reshape(b, -1, *trailing)
