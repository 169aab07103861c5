// `rgalign train`: fit a ranker on a dataset and write a run directory.
#pragma once

#include <cstdint>
#include <string>

namespace rgalign {

struct TrainOptions {
  std::string data;
  std::string model = "popularity";
  std::string out;
  std::string reasoner;
  int epochs = 0;  // 0 = the model's default
  uint64_t seed = 0;
  double alpha = 1.0;  // popularity: additive smoothing per intent
  int threads = 2;
  bool skip_bad = false;
  // Neural models.
  int batch_size = 256;
  double lr = 2e-3;
  double weight_decay = 1e-4;
  double warmup = 0.05;  // share of steps with a linear warm-up
  std::string schedule = "cosine";
  double clip = 1.0;             // gradient norm clipping (0 = none)
  int patience = 2;              // epochs without validation GAUC gain before stopping
  std::string loss = "listnet";  // listnet | bce
  std::string reference;         // run whose candidate distribution the KL term pulls towards
  double kl_weight = 0.0;
  // Listwise training over each request's clicked intents and a uniform sample of its other candidates, this
  // many in all (0 = every candidate). Validation and scoring always rank every candidate.
  int train_candidates = 0;
  int embed_dim = 16;
  int tower_dim = 64;
  int hidden_dim = 128;
  int attn_layers = 2;
  int attn_heads = 2;
  int experts = 4;
  std::string score = "mlp";  // mlp | dot
  int min_count = 2;
  // qe-rec.
  std::string pooling = "last";  // last | mean | query (llm/pooling.h)
  bool no_query_tower = false;
  bool no_intent_text = false;
  double intent_id_dropout = 0.5;
  bool tie_text_projection = false;
  bool query_match = false;
  int latent_tokens = 0;  // generated latent-query tokens per prompt (0 = embed the prompt alone)
  std::string cache;      // latent cache directory (default <reasoner>/latent-cache)
  std::string init;       // run directory whose weights (and encoder) start the training: fine-tuning
  // qe-rec with init: keep the init run's intent-text embeddings (the space its intent tower was trained in)
  // instead of embedding the intent texts with `reasoner`.
  bool keep_intent_text = false;
  // JSONL {"request_id", "text"} per training request: its latent query is the prompt followed by this text
  // (teacher texts), instead of the reasoner's own generation. Validation reads the file too when it holds a
  // text for every validation request, and keeps the reasoner's own when it holds none.
  std::string latent_texts;

  template <class V>
  void visit(V&& v) {
    v("data", data, "dataset directory", true);
    v("model", model, "popularity|dnn|two-tower|text-bow|qe-rec");
    v("out", out, "run directory to create", true);
    v("reasoner", reasoner, "reasoner checkpoint directory (qe-rec)");
    v("epochs", epochs, "training epochs (0 = model default)");
    v("seed", seed, "random seed");
    v("alpha", alpha, "popularity smoothing (clicks added to every intent)");
    v("threads", threads, "CPU threads");
    v("skip-bad", skip_bad, "skip and count malformed lines instead of failing");
    v("batch-size", batch_size, "requests per training step");
    v("lr", lr, "peak learning rate (AdamW)");
    v("weight-decay", weight_decay, "AdamW weight decay");
    v("warmup", warmup, "share of steps with linear warm-up");
    v("schedule", schedule, "learning-rate decay after warm-up: cosine|linear");
    v("clip", clip, "gradient norm clipping (0 = none)");
    v("patience", patience, "epochs without validation GAUC gain before early stopping");
    v("loss", loss, "listnet|bce");
    v("reference", reference, "run directory of a reference ranker for the KL term");
    v("kl-weight", kl_weight, "weight of KL(reference || model) over candidates");
    v("train-candidates", train_candidates,
      "listnet: each training step ranks the request's clicked intents and a uniform sample of its other "
      "candidates, this many in all (0 = every candidate; validation always ranks every candidate)");
    v("embed-dim", embed_dim, "field embedding size");
    v("tower-dim", tower_dim, "user/intent tower output size");
    v("hidden-dim", hidden_dim, "MLP hidden size");
    v("attn-layers", attn_layers, "AutoInt layers (two-tower)");
    v("attn-heads", attn_heads, "AutoInt heads (two-tower)");
    v("experts", experts, "mixture-of-experts size (two-tower)");
    v("score", score, "pair scorer: mlp|dot (two-tower)");
    v("min-count", min_count, "categorical values seen fewer times in train share the OOV id");
    v("pooling", pooling,
      "latent-query embedding (qe-rec): last token | mean over prompt and text | query: mean over the "
      "latent-query text's own tokens (intent texts: their mean)");
    v("no-query-tower", no_query_tower, "ablation: QE-Rec without the query tower");
    v("no-intent-text", no_intent_text, "ablation: QE-Rec intent tower without the intent text");
    v("intent-id-dropout", intent_id_dropout,
      "qe-rec: share of intents trained without their id embedding at each step, so that the intent "
      "text learns to rank intents never seen in training (0 = off; ids then start at random, not 0)");
    v("tie-text-projection", tie_text_projection,
      "qe-rec: one projection for the latent query and the intent texts, so that a query naming an intent "
      "starts out matching that intent");
    v("query-match", query_match,
      "qe-rec: add the dot product of the query and intent towers to each logit, so that a latent query "
      "naming an intent lifts it directly");
    v("latent-tokens", latent_tokens, "latent-query tokens the reasoner generates per prompt (0 = none)");
    v("cache", cache, "latent-query cache directory (default <reasoner>/latent-cache)");
    v("init", init, "fine-tune: start from this run's weights and encoder (same model and sizes)");
    v("keep-intent-text", keep_intent_text,
      "qe-rec with --init: keep the init run's intent-text embeddings instead of embedding the intent texts "
      "with --reasoner (whose hidden states the init run's intent tower has never read)");
    v("latent-texts", latent_texts,
      "qe-rec: JSONL of {request_id, text}: training latent queries are prompt + this text (validation's too "
      "when the file has a text for every validation request; none: the reasoner's own)");
  }
};

// Trains and writes run.json, metrics.jsonl and the model. Throws InputError on bad options or data.
void run_training(TrainOptions opt);

}  // namespace rgalign
