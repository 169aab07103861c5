#!/usr/bin/python3
"""Eager PyTorch reference of rgalign's QE-Rec ranker at serving time, for bench/serve_latency.sh: the user tower
of two_tower_reference.py (AutoInt + MoE), the latent-query projection, the intent tower (id embedding plus
the projected intent-text embedding), single-head mutual attention among the user, query and intent tokens of
each (request, candidate) pair with residual and LayerNorm, and the MLP head over [u, q, i, u*i, q*i]. Same
sizes as bench/bench_serve_latency.cpp (tower 64, head 64, reasoner width 128). As a Python server would hold
it, the intent tower and its attention projections are computed once at load, not per request (rgalign does the
same); one request is scored per call, in inference mode.

    /usr/bin/python3 bench/qe_rec_reference.py --latency 1000 --iters 300 --threads 1
Prints one line: name=serve_score_python model=qe-rec intents=... p50_ms=... p99_ms=...
"""
import argparse
import math

import torch
import torch.nn as nn

from two_tower_reference import SHAPE, UserTower, one_request, p50_p99_ms

REASONER_DIM = 128  # the built-in reasoner's width: latent queries and intent texts


def projection(d_in, d_out):
    return nn.Sequential(nn.LayerNorm(d_in), nn.Linear(d_in, d_out), nn.GELU(), nn.Linear(d_out, d_out))


class MutualAttention(nn.Module):
    """Each token attends to the other tokens of its pair (never itself); single head, residual, LayerNorm."""

    def __init__(self, dim):
        super().__init__()
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):  # tokens [B, C, K, T] -> [B, C, K, T]
        k = tokens.shape[2]
        logits = torch.matmul(self.q(tokens), self.k(tokens).transpose(-1, -2)) / math.sqrt(tokens.shape[-1])
        eye = torch.eye(k, dtype=torch.bool)
        w = torch.softmax(logits.masked_fill(eye, float("-inf")), -1)  # [B, C, K, K]
        return self.norm(tokens + torch.matmul(w, self.v(tokens)))


class QeRec(nn.Module):
    def __init__(self, single_card, multi_card, n_intents, tower=64, hidden=128, reasoner_dim=REASONER_DIM):
        super().__init__()
        self.user = UserTower(single_card, multi_card, tower=tower, hidden=hidden)
        self.query = projection(reasoner_dim, tower)
        self.intent_ids = nn.Embedding(n_intents, tower)
        self.intent_text = projection(reasoner_dim, tower)
        self.register_buffer("intent_text_emb", torch.randn(n_intents, reasoner_dim))
        self.mutual = MutualAttention(tower)
        self.head = nn.Sequential(nn.Linear(5 * tower, hidden // 2), nn.ReLU(), nn.Linear(hidden // 2, 1))
        self.intents = None

    def prepare(self):
        """The intent tower [I, T], once per loaded model."""
        with torch.inference_mode():
            self.intents = self.intent_ids.weight + self.intent_text(self.intent_text_emb)

    def forward(self, single, multi, mask, query, cand, cand_mask):
        u = self.user(single, multi, mask)  # [B, T]
        q = self.query(query)  # [B, T]
        b, c = cand.shape
        i = self.intents.index_select(0, cand.reshape(-1)).view(b, c, -1)  # [B, C, T]
        tokens = torch.stack([u.unsqueeze(1).expand_as(i), q.unsqueeze(1).expand_as(i), i], 2)  # [B, C, 3, T]
        t = self.mutual(tokens)
        u, q, i = t[:, :, 0], t[:, :, 1], t[:, :, 2]
        logits = self.head(torch.cat([u, q, i, u * i, q * i], -1)).squeeze(-1)  # [B, C]
        return logits.masked_fill(~cand_mask, -1e9)


def latency(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    c = args.latency
    n_intents = max(SHAPE["intents"], c)
    model = QeRec(SHAPE["single"], SHAPE["multi"], n_intents).eval()
    model.prepare()
    single, multi, mask, cand, cand_mask = one_request(c, n_intents)
    query = torch.randn(1, REASONER_DIM)
    p50, p99 = p50_p99_ms(lambda: model(single, multi, mask, query, cand, cand_mask), args.iters)
    print(f"name=serve_score_python model=qe-rec intents={c} threads={args.threads} iters={args.iters} "
          f"p50_ms={p50:.3f} p99_ms={p99:.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=int, required=True, help="candidates of the one request scored")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1)
    latency(ap.parse_args())


if __name__ == "__main__":
    main()
