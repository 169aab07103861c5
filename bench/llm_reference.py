#!/usr/bin/env python3
"""transformers reference for bench/bench_llm --device cuda: a Qwen3-0.6B-shaped model with random bfloat16
weights (sdpa attention), last-token embeddings of B x L batches left-padded to the same lengths as the C++
benchmark. Prints name=llm_embed_gpu_transformers ... padded_tokens_per_s=... real_tokens_per_s=...

    python3 bench/llm_reference.py --batch 64 --seq 256
"""
import argparse
import time

import torch
from transformers import Qwen3Config, Qwen3Model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    cfg = Qwen3Config(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                      num_attention_heads=16, num_key_value_heads=8, head_dim=128, tie_word_embeddings=True,
                      attn_implementation="sdpa")
    model = Qwen3Model(cfg).to("cuda", torch.bfloat16).eval()
    B, L = a.batch, a.seq
    lengths = [L // 2 + (b * 7919) % (L // 2 + 1) for b in range(B)]
    ids = torch.zeros(B, L, dtype=torch.long)
    mask = torch.zeros(B, L, dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, L - n:] = 1 + b % 1000
        mask[b, L - n:] = 1
    ids, mask = ids.cuda(), mask.cuda()
    pos = (mask.cumsum(1) - 1).clamp_min(0)

    def run():
        with torch.inference_mode():
            return model(input_ids=ids, attention_mask=mask, position_ids=pos).last_hidden_state[:, -1]

    run()
    torch.cuda.synchronize()
    best = 1e9
    for _ in range(a.reps):
        t0 = time.perf_counter()
        run()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    print(f"name=llm_embed_gpu_transformers batch={B} seq={L} padded_tokens_per_s={B * L / best:.0f} "
          f"real_tokens_per_s={sum(lengths) / best:.0f}")


if __name__ == "__main__":
    main()
