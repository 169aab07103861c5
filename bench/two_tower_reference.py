#!/usr/bin/python3
"""Line-for-line PyTorch reference of rgalign's two-tower ranker training step (AutoInt + MoE user tower, intent
id tower, pair-scoring MLP, ListNet loss, AdamW, gradient clipping), for bench/bench_train.sh. Same architecture,
sizes, batch size, data layout and thread count as bench/bench_train.cpp; idiomatic eager PyTorch.

    /usr/bin/python3 bench/two_tower_reference.py --steps 60 --threads 2
Prints one line: name=two_tower_train_python ... samples_per_s=...
"""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class FeatureEmbedding(nn.Module):
    def __init__(self, single_card, multi_card, dim):
        super().__init__()
        so, mo, total = [], [], 0
        for c in single_card:
            so.append(total)
            total += c
        for c in multi_card:
            mo.append(total)
            total += c
        self.table = nn.Embedding(total, dim)
        nn.init.normal_(self.table.weight, 0.0, 0.05)
        self.register_buffer("single_offsets", torch.tensor(so, dtype=torch.int64))
        self.register_buffer("multi_offsets", torch.tensor(mo, dtype=torch.int64))

    def forward(self, single, multi, mask):
        s = self.table(single + self.single_offsets)  # [B, S, D]
        m = self.table(multi + self.multi_offsets.view(1, -1, 1))  # [B, M, L, D]
        w = mask.unsqueeze(-1)
        pooled = (m * w).sum(2) / w.sum(2).clamp_min(1.0)  # [B, M, D]
        return torch.cat([s, pooled], 1)


class AutoIntLayer(nn.Module):
    def __init__(self, in_dim, heads, head_dim):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        self.qkv = nn.Linear(in_dim, 3 * heads * head_dim, bias=False)
        self.residual = nn.Linear(in_dim, heads * head_dim, bias=False)

    def forward(self, x):
        b, f, _ = x.shape
        qkv = self.qkv(x).view(b, f, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim), -1)
        out = torch.matmul(att, v).transpose(1, 2).reshape(b, f, self.heads * self.head_dim)
        return torch.relu(out + self.residual(x))


class MixtureOfExperts(nn.Module):
    def __init__(self, in_dim, hidden, out, experts):
        super().__init__()
        self.gate = nn.Linear(in_dim, experts)
        self.experts = nn.ModuleList(
            [nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, out)) for _ in range(experts)])

    def forward(self, x):
        g = torch.softmax(self.gate(x), -1)
        stacked = torch.stack([e(x) for e in self.experts], 1)
        return (stacked * g.unsqueeze(-1)).sum(1)


class PairScorer(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.user_in = nn.Linear(dim, hidden)
        self.intent_in = nn.Linear(dim, hidden, bias=False)
        self.product_in = nn.Linear(dim, hidden, bias=False)
        self.out = nn.Linear(hidden, 1)

    def forward(self, user, all_intents, cand):
        b, c = cand.shape
        flat = cand.reshape(-1)
        intents = all_intents.index_select(0, flat).view(b, c, -1)
        u = user.unsqueeze(1)
        per_intent = self.intent_in(all_intents).index_select(0, flat).view(b, c, -1)
        h = torch.relu(self.user_in(u) + per_intent + self.product_in(intents * u))
        return self.out(h).squeeze(-1)


class UserTower(nn.Module):
    """Field embeddings, AutoInt layers and the mixture of experts: [B, tower]."""

    def __init__(self, single_card, multi_card, embed=16, tower=64, hidden=128, layers=2, heads=2, head_dim=16,
                 experts=4):
        super().__init__()
        self.fields = FeatureEmbedding(single_card, multi_card, embed)
        dims, d = [], embed
        for _ in range(layers):
            dims.append(AutoIntLayer(d, heads, head_dim))
            d = heads * head_dim
        self.attention = nn.ModuleList(dims)
        n_fields = len(single_card) + len(multi_card)
        self.moe = MixtureOfExperts(n_fields * d, hidden, tower, experts)

    def forward(self, single, multi, mask):
        x = self.fields(single, multi, mask)
        for layer in self.attention:
            x = layer(x)
        return self.moe(x.flatten(1))


class TwoTower(nn.Module):
    def __init__(self, single_card, multi_card, n_intents, tower=64, hidden=128):
        super().__init__()
        self.user = UserTower(single_card, multi_card, tower=tower, hidden=hidden)
        self.intents = nn.Embedding(n_intents, tower)
        nn.init.normal_(self.intents.weight, 0.0, 0.05)
        self.scorer = PairScorer(tower, hidden // 2)

    def forward(self, single, multi, mask, cand, cand_mask):
        u = self.user(single, multi, mask)
        return self.scorer(u, self.intents.weight, cand).masked_fill(~cand_mask, -1e9)


def listnet_loss(logits, labels, mask):
    y = labels * mask.to(labels.dtype)
    total = y.sum(-1, keepdim=True)
    has_click = (total.squeeze(-1) > 0).to(logits.dtype)
    target = y / total.clamp_min(1e-12)
    logp = F.log_softmax(logits.masked_fill(~mask, -1e9), -1)
    per_request = -(target * logp).sum(-1)
    return (per_request * has_click).sum() / has_click.sum().clamp_min(1.0)


def synthetic(n, shape):
    g = torch.Generator().manual_seed(0)
    single = torch.stack([torch.randint(0, c, (n,), generator=g) for c in shape["single"]], 1)
    multi = torch.stack([torch.randint(0, c, (n, shape["L"]), generator=g) for c in shape["multi"]], 1)
    mask = (torch.rand(n, len(shape["multi"]), shape["L"], generator=g) < 0.5).float()
    cand = torch.randint(0, shape["intents"], (n, shape["C"]), generator=g)
    cand_mask = torch.ones(n, shape["C"], dtype=torch.bool)
    labels = torch.zeros(n, shape["C"])
    labels[torch.arange(n), torch.randint(0, shape["C"], (n,), generator=g)] = 1.0
    return single, multi, mask, cand, cand_mask, labels


# The default world's layout: 40 single-valued fields, 5 multi-valued fields padded to 16, ~200 candidates.
SHAPE = {"single": [24] * 20 + [14] * 20, "multi": [20, 14, 8, 2050, 2050], "L": 16, "C": 200, "intents": 1360}


def one_request(c, n_intents):
    """Inputs of one request in the default world's feature layout with c candidates among n_intents."""
    single = torch.stack([torch.randint(k, (1,)) for k in SHAPE["single"]], 1)
    multi = torch.stack([torch.randint(k, (1, 16)) for k in SHAPE["multi"]], 1)
    mask = (torch.rand(1, len(SHAPE["multi"]), 16) < 0.5).float()
    cand = torch.randperm(n_intents)[:c].view(1, c)
    cand_mask = torch.ones(1, c, dtype=torch.bool)
    return single, multi, mask, cand, cand_mask


def p50_p99_ms(score, iters):
    """p50 and p99 milliseconds of score() in inference mode over iters calls, after 20 for warm-up; the answer
    is read, as a server reads it."""
    ms = []
    with torch.inference_mode():
        for i in range(iters + 20):
            t0 = time.perf_counter()
            score().max().item()
            if i >= 20:
                ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    return ms[len(ms) // 2], ms[len(ms) * 99 // 100]


def latency(args):
    """Scoring latency of one request (batch 1, eval mode, no autograd), as a Python server would score it."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    c = args.latency
    model = TwoTower(SHAPE["single"], SHAPE["multi"], max(SHAPE["intents"], c)).eval()
    single, multi, mask, cand, cand_mask = one_request(c, max(SHAPE["intents"], c))
    p50, p99 = p50_p99_ms(lambda: model(single, multi, mask, cand, cand_mask), args.iters)
    print(f"name=serve_score_python model=two-tower intents={c} threads={args.threads} iters={args.iters} "
          f"p50_ms={p50:.3f} p99_ms={p99:.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--latency", type=int, default=0,
                    help="instead of training: p50/p99 of scoring one request with this many candidates")
    ap.add_argument("--iters", type=int, default=300)
    args = ap.parse_args()
    if args.latency:
        return latency(args)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = synthetic(8192, SHAPE)
    model = TwoTower(SHAPE["single"], SHAPE["multi"], SHAPE["intents"])
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    n = data[0].shape[0]

    def step(idx):
        single, multi, mask, cand, cand_mask, labels = (t.index_select(0, idx) for t in data)
        opt.zero_grad()
        loss = listnet_loss(model(single, multi, mask, cand, cand_mask), labels, cand_mask)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    perm = torch.randperm(n)
    for s in range(5):  # warm-up
        step(perm[(s * args.batch) % n:(s * args.batch) % n + args.batch])
    t0 = time.perf_counter()
    for s in range(args.steps):
        start = (s * args.batch) % (n - args.batch)
        step(perm[start:start + args.batch])
    dt = time.perf_counter() - t0
    print(f"name=two_tower_train_python batch={args.batch} threads={args.threads} steps={args.steps} "
          f"seconds={dt:.2f} samples_per_s={args.steps * args.batch / dt:.0f} torch={torch.__version__}")


if __name__ == "__main__":
    main()
