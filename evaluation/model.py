"""AMALIA-VL as an lmms-eval model: our processor and chat template, greedy decoding, batches padded on the left.

    python -m evaluation.run --model checkpoints/amalia-vl-sft --tasks amalia_vl_eval_pt --batch_size 8 \
        --output_dir results/sft

lmms-eval finds this class as `--model amalia_vl` through the `lmms_eval.models` entry point (`evaluation.plugin`).
It is a chat model: it receives the same messages lmms-eval builds for `llava_hf`, renders them with the
checkpoint's chat template, and decodes greedily with the same stopping token, so on a checkpoint and its
`llava_next` export it answers as the authors' route does, batch after batch instead of one document at a time.
"""

import logging

import torch
from accelerate import Accelerator
from lmms_eval import utils as lmms_utils
from lmms_eval.api.instance import GenerationResult, Instance, TokenCounts
from lmms_eval.api.model import lmms
from lmms_eval.protocol import ChatMessages
from tqdm import tqdm
from transformers import AutoConfig, AutoModel, AutoProcessor


logger = logging.getLogger(__name__)

# llava_hf's budget when a task sets no max_new_tokens: the same, so that both routes stop at the same place.
DEFAULT_MAX_NEW_TOKENS = 1024
DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """The torch dtype; auto means bf16 on a GPU and fp32 on a CPU (bf16 on CPU is slow and rounds differently)."""
    if dtype == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if dtype not in DTYPES:
        raise ValueError(f"dtype={dtype!r}: choose auto, {', '.join(DTYPES)}")
    return DTYPES[dtype]


def _check_model_type(pretrained: str) -> None:
    """Our class loads amalia_vl checkpoints; a llava_next one (the released weights) would load without its head."""
    model_type = AutoConfig.from_pretrained(pretrained, trust_remote_code=True).model_type
    if model_type != "amalia_vl":
        raise ValueError(
            f"{pretrained} is a {model_type!r} checkpoint; --model_class amalia_vl needs an amalia_vl one. Convert it "
            f"(python hub_release/convert_llava_next.py {pretrained} DIR) or evaluate it with --model_class llava_hf."
        )


class AmaliaVLEval(lmms):
    """lmms-eval model arguments (`--model_args k=v,...`):

    pretrained: a checkpoint directory or Hub id (loaded with `trust_remote_code=True`).
    batch_size: documents generated together, padded on the left (`--batch_size`).
    max_tiles: tile budget per image (default: the checkpoint's, 12 for AMALIA-VL); 1 turns tiling off.
    dtype: auto (bf16 on GPU, fp32 on CPU), bfloat16, float16 or float32.
    device: cuda, cuda:N or cpu (default: a GPU when there is one); under `accelerate launch` each process
        takes its own GPU and lmms-eval shards the documents between processes.
    attn_implementation: sdpa, eager or flash_attention_2 (default: transformers' choice).
    """

    is_simple = False

    def __init__(
        self,
        pretrained: str,
        batch_size: int | str = 1,
        max_tiles: int | str | None = None,
        dtype: str = "auto",
        device: str | None = None,
        attn_implementation: str | None = None,
        **unused,
    ) -> None:
        super().__init__()
        if unused:
            raise TypeError(f"amalia_vl does not take {sorted(unused)}; see `evaluation.model.AmaliaVLEval`.")
        self.accelerator = Accelerator()
        self._rank = self.accelerator.process_index
        self._world_size = self.accelerator.num_processes
        self._device = self._choose_device(device)
        self.batch_size_per_gpu = int(batch_size)
        self.max_tiles = int(max_tiles) if max_tiles not in (None, "", "None") else None

        _check_model_type(pretrained)
        load_kwargs = {"dtype": resolve_dtype(dtype, self._device), "trust_remote_code": True}
        if attn_implementation:
            load_kwargs["attn_implementation"] = attn_implementation
        self.model = AutoModel.from_pretrained(pretrained, **load_kwargs).to(self._device).eval()
        self.processor = AutoProcessor.from_pretrained(pretrained, trust_remote_code=True)
        # Generation appends on the right, so prompts are padded on the left.
        self.processor.tokenizer.padding_side = "left"
        self.tokenizer = self.processor.tokenizer
        logger.info("amalia_vl: %s on %s in %s, batch %d", pretrained, self._device, self.model.dtype, self.batch_size)

    def _choose_device(self, device: str | None) -> torch.device:
        if self._world_size > 1:
            return self.accelerator.device
        if device:
            return torch.device(device)
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def batch_size(self) -> int:
        return self.batch_size_per_gpu

    def loglikelihood(self, requests: list[Instance]):
        raise NotImplementedError("amalia_vl only generates; the pt-PT benchmarks are all generate_until tasks.")

    def generate_until_multi_round(self, requests: list[Instance]):
        raise NotImplementedError("amalia_vl does not run multi-round tasks.")

    def _messages(self, request_args: tuple) -> list[dict]:
        """The chat for one document, as lmms-eval's chat models receive it (images inline as PIL)."""
        _context, doc_to_messages, _gen_kwargs, doc_id, task, split = request_args
        raw = doc_to_messages(self.task_dict[task][split][doc_id])
        return ChatMessages(messages=raw).model_dump()["messages"]

    def _encode(self, chats: list[list[dict]]) -> dict:
        prompts = [self.processor.apply_chat_template(chat, add_generation_prompt=True) for chat in chats]
        images = [
            [item["url"] for message in chat for item in message["content"] if item["type"] == "image"]
            for chat in chats
        ]
        inputs = self.processor(
            text=prompts,
            images=images if any(images) else None,
            max_tiles=self.max_tiles,
            padding=True,
            return_tensors="pt",
        ).to(self._device)
        if "pixel_values" in inputs:
            inputs["pixel_values"] = inputs["pixel_values"].to(self.model.dtype)
        return inputs

    def _generate(self, chats: list[list[dict]], gen_kwargs: dict) -> list[GenerationResult]:
        inputs = self._encode(chats)
        temperature = float(gen_kwargs.get("temperature", 0) or 0)
        sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                max_new_tokens=int(gen_kwargs.get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS)),
                num_beams=1,
                # The tokenizer's end of turn stops generation, as in llava_hf, whatever generation_config lists.
                eos_token_id=self.tokenizer.eos_token_id,
                pad_token_id=self.tokenizer.pad_token_id,
                **sampling,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        lengths = (new_tokens != self.tokenizer.pad_token_id).sum(dim=1).tolist()
        return [
            GenerationResult(text=text, token_counts=TokenCounts(output_tokens=n)) for text, n in zip(texts, lengths)
        ]

    def generate_until(self, requests: list[Instance]) -> list[GenerationResult]:
        # Requests are grouped by their generation settings (one task's are all alike) and kept in document order.
        collator = lmms_utils.Collator(
            [request.args for request in requests],
            lambda args: (args[4], args[3]),
            group_fn=lambda args: args[2],
            grouping=True,
        )
        results = []
        progress = tqdm(total=len(requests), disable=self.rank != 0, desc="amalia_vl generating")
        for chunk in collator.get_batched(n=self.batch_size, batch_fn=None):
            chats = [self._messages(args) for args in chunk]
            batch = self._generate(chats, dict(chunk[0][2]))
            results.extend(batch)
            progress.update(len(chunk))
        progress.close()
        return collator.get_original(results)
