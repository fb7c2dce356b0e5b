"""4-bit (nf4) and 8-bit loading of AMALIA-VL with bitsandbytes, and what the weights then weigh.

    model = AutoModelForImageTextToText.from_pretrained(path, trust_remote_code=True,
                                                        quantization_config=quantization_config(4))

Only the language model's linear layers are quantised: the vision tower, the connector and the head stay in the
compute dtype by default. The tower and connector are 5 % of the weights, and their errors would reach every image
token; the head decides every generated token (bitsandbytes' own advice is to keep it unquantised).
"""

import torch
from transformers import BitsAndBytesConfig


# Full module names from the model's root: transformers matches them as prefixes (and older releases as
# substrings), so "model.vision_tower" covers every layer of the tower and nothing of the language model.
UNQUANTISED_MODULES = ["model.vision_tower", "model.multi_modal_projector", "lm_head"]
NF4_BLOCK = 64  # bitsandbytes' 4-bit block: one float32 absmax per 64 weights


def quantization_config(
    bits: int, compute_dtype: torch.dtype = torch.bfloat16, skip_modules: list[str] | None = None
) -> BitsAndBytesConfig:
    """A BitsAndBytesConfig for 4-bit nf4 or 8-bit (LLM.int8) weights; `skip_modules` stay unquantised."""
    skip = UNQUANTISED_MODULES if skip_modules is None else skip_modules
    if bits == 4:
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=compute_dtype,
            llm_int8_skip_modules=skip,
        )
    if bits == 8:
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=skip)
    raise ValueError(f"bitsandbytes loads 4-bit or 8-bit weights, not {bits}-bit.")


def _quantised(name: str, skip: list[str]) -> bool:
    return not any(name == prefix or name.startswith(prefix + ".") for prefix in skip)


def estimated_weight_bytes(
    model: torch.nn.Module, bits: int | None, dtype_bytes: int = 2, with_scales: bool = True
) -> int:
    """Bytes of the weights once loaded: `bits` None is unquantised; 8 and 4 count bitsandbytes' layouts (int8
    weights with a float32 scale per output row; nf4 two weights a byte with a float32 absmax per block of 64).
    Works on a meta-device model, so the real 9B model is priced from its config without loading it.
    `with_scales=False` leaves the scales out, as `get_memory_footprint()` does (they are not parameters)."""
    total = 0
    counted = set()
    for module_name, module in model.named_modules():
        for name, parameter in module.named_parameters(recurse=False):
            counted.add(f"{module_name}.{name}" if module_name else name)
            n = parameter.numel()
            if (
                bits
                and isinstance(module, torch.nn.Linear)
                and name == "weight"
                and _quantised(module_name, UNQUANTISED_MODULES)
            ):
                scales = 4 * (parameter.shape[0] if bits == 8 else -(-n // NF4_BLOCK))
                total += (n if bits == 8 else n // 2) + (scales if with_scales else 0)
            else:
                total += n * dtype_bytes
    for name, buffer in model.named_buffers():
        if name not in counted and buffer.numel():
            total += buffer.numel() * buffer.element_size()
    return total


def real_model_on_meta() -> torch.nn.Module:
    """AMALIA-VL at its published size, without weights: the config's defaults are the real model's (SigLIP2-so400m
    cut to 26 layers, AMALIA-9B)."""
    from transformers import AutoModel

    from amalia_vl import AmaliaVLConfig

    with torch.device("meta"):
        return AutoModel.from_config(AmaliaVLConfig())


def main():
    """Prints the real model's parameter count and weight memory in bf16, 8-bit and 4-bit (the README's table)."""
    model = real_model_on_meta()
    print(f"parameters: {model.num_parameters() / 1e9:.2f} B")
    for label, bits in (("bf16", None), ("8-bit (LLM.int8)", 8), ("4-bit (nf4)", 4)):
        print(f"{label}: {estimated_weight_bytes(model, bits) / 2**30:.1f} GiB of weights")


if __name__ == "__main__":
    main()
