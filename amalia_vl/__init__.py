"""AMALIA-VL: a vision-language model for European Portuguese, as Hugging Face remote code.

Importing this package registers the classes with transformers' Auto classes (so `AutoModel.from_pretrained` works
on local checkpoints without `trust_remote_code`), and marks them so that `save_pretrained` writes the three code
files and the `auto_map` into every checkpoint, which then loads anywhere with `trust_remote_code=True`.
"""

from pathlib import Path

from transformers import (
    AutoConfig,
    AutoImageProcessor,
    AutoModel,
    AutoModelForImageTextToText,
    AutoProcessor,
)

import configuration_amalia_vl
import modeling_amalia_vl
import processing_amalia_vl
from configuration_amalia_vl import AmaliaVLConfig
from modeling_amalia_vl import AmaliaVLForConditionalGeneration, AmaliaVLModel, AmaliaVLPreTrainedModel
from processing_amalia_vl import AmaliaVLImageProcessor, AmaliaVLProcessor, load_image


# The three files every checkpoint carries: the repository root's own bytes.
REMOTE_CODE_FILES = tuple(
    Path(module.__file__) for module in (configuration_amalia_vl, modeling_amalia_vl, processing_amalia_vl)
)


AutoConfig.register(AmaliaVLConfig.model_type, AmaliaVLConfig, exist_ok=True)
# Users write `AutoModel.from_pretrained(...)` and then call `generate`, so AutoModel gives the generating class.
AutoModel.register(AmaliaVLConfig, AmaliaVLForConditionalGeneration, exist_ok=True)
AutoModelForImageTextToText.register(AmaliaVLConfig, AmaliaVLForConditionalGeneration, exist_ok=True)
# It tiles with torchvision, which is what transformers calls the "torchvision" backend.
AutoImageProcessor.register(
    AmaliaVLConfig, image_processor_classes={"torchvision": AmaliaVLImageProcessor}, exist_ok=True
)
AutoProcessor.register(AmaliaVLConfig, AmaliaVLProcessor, exist_ok=True)

AmaliaVLConfig.register_for_auto_class()
AmaliaVLForConditionalGeneration.register_for_auto_class("AutoModelForImageTextToText")
AmaliaVLImageProcessor.register_for_auto_class("AutoImageProcessor")
AmaliaVLProcessor.register_for_auto_class("AutoProcessor")

__all__ = [
    "AmaliaVLConfig",
    "AmaliaVLForConditionalGeneration",
    "AmaliaVLImageProcessor",
    "AmaliaVLModel",
    "AmaliaVLPreTrainedModel",
    "AmaliaVLProcessor",
    "REMOTE_CODE_FILES",
    "load_image",
]
