"""AMALIA-VL: a SigLIP2 vision tower, a two-layer GELU connector and a causal language model, LLaVA-NeXT style.

Parameter names follow transformers' `llava_next` (`vision_tower`, `multi_modal_projector.linear_1/linear_2`,
`image_newline`, `language_model`, `lm_head`) so that converting to and from it is a rename.

This file travels inside every checkpoint as remote code: it imports only torch, transformers and its siblings.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn
from transformers import AutoModel, GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_outputs import BaseModelOutputWithPast, BaseModelOutputWithPooling, CausalLMOutputWithPast
from transformers.utils.generic import can_return_tuple


# Inside a checkpoint transformers loads these files as one package, where siblings are relative imports; at the
# repository root (and once pip-installed) they are top-level modules. transformers copies the relative import's
# file into the checkpoint and does not check imports inside `try` as packages, so this one form works in both.
try:
    from .configuration_amalia_vl import AmaliaVLConfig, num_views, unpadded_feature_box
except ImportError:
    from configuration_amalia_vl import AmaliaVLConfig, num_views, unpadded_feature_box


# transformers 5.24 renamed the KV cache from `past_key_values` to `cache`, in model forwards and in outputs. This file
# runs inside whatever transformers a user has, so it never names the cache: our forwards pass it through `**kwargs` to
# the language model under whichever name the caller used, and our outputs subclass transformers' own, so that their
# cache field is the installed version's. Only accelerate's device placement needs the name, read off those outputs.
CACHE_FIELD = "cache" if "cache" in BaseModelOutputWithPast.__dataclass_fields__ else "past_key_values"


@dataclass
class AmaliaVLModelOutputWithPast(BaseModelOutputWithPast):
    """The language model's outputs, plus the image features that replaced the `<image>` tokens."""

    image_hidden_states: torch.Tensor | None = None


@dataclass
class AmaliaVLCausalLMOutputWithPast(CausalLMOutputWithPast):
    """Loss and logits of [`AmaliaVLForConditionalGeneration`], with the cache and the image features."""

    image_hidden_states: torch.Tensor | None = None


class AmaliaVLMultiModalProjector(nn.Module):
    """The connector: vision width -> language width -> GELU -> language width."""

    def __init__(self, config: AmaliaVLConfig):
        super().__init__()
        text_width = config.text_config.hidden_size
        bias = config.multimodal_projector_bias
        self.linear_1 = nn.Linear(config.vision_config.hidden_size, text_width, bias=bias)
        self.act = ACT2FN[config.projector_hidden_act]
        self.linear_2 = nn.Linear(text_width, text_width, bias=bias)

    def forward(self, image_features: torch.Tensor) -> torch.Tensor:
        return self.linear_2(self.act(self.linear_1(image_features)))


class AmaliaVLPreTrainedModel(PreTrainedModel):
    config_class = AmaliaVLConfig
    config: AmaliaVLConfig
    base_model_prefix = "model"
    input_modalities = ("image", "text")
    supports_gradient_checkpointing = True
    _skip_keys_device_placement = [CACHE_FIELD]
    _supports_flash_attn = True
    _supports_sdpa = True
    _supports_flex_attn = True
    _supports_attention_backend = True

    @torch.no_grad()
    def _init_weights(self, module):
        super()._init_weights(module)
        if isinstance(module, AmaliaVLModel):
            init.normal_(module.image_newline, mean=0.0, std=1 / math.sqrt(self.config.text_config.hidden_size))

    def _initialize_weights(self, module, is_custom_code: bool = False):
        """transformers' dispatch, then the vision tower's own init once more, as `llava_next` gets it.

        For remote code transformers skips every module without parameters of its own (it cannot tell whether such
        code writes weights in place), and that reaches into the tower: SigLIP's init of its MLP and attention
        blocks never runs, so tower weights a checkpoint lacks keep the generic init (zero MLP biases where SigLIP
        draws std 1e-6). `transformers.initialization` leaves every loaded tensor alone, so running the tower's
        `_init_weights` over its modules touches only the missing ones. Children go before their parents, as in
        transformers' own dispatch, so that a block's init (SigLIP's MLP) has the last word over its layers'.
        """
        super()._initialize_weights(module, is_custom_code)
        if isinstance(module, AmaliaVLModel):
            for submodule in reversed(list(module.vision_tower.modules())):
                module.vision_tower._init_weights(submodule)


class AmaliaVLModel(AmaliaVLPreTrainedModel):
    """Vision tower, connector and language model, without the language-modelling head."""

    def __init__(self, config: AmaliaVLConfig):
        super().__init__(config)
        self.vision_tower = AutoModel.from_config(config.vision_config)
        self.multi_modal_projector = AmaliaVLMultiModalProjector(config)
        width = config.text_config.hidden_size
        self.image_newline = nn.Parameter(torch.randn(width, dtype=self.dtype) / math.sqrt(width))
        self.language_model = AutoModel.from_config(config.text_config)
        self.post_init()

    @property
    def _feature_depth(self) -> int:
        """How many encoder layers run: hidden state `vision_feature_layer` is the output of that many layers."""
        return self.config.vision_feature_layer % (self.config.vision_config.num_hidden_layers + 1)

    def unused_vision_modules(self) -> list[nn.Module]:
        """The tower's modules that never run: its final layer norm and head (the features come from before them)
        and the layers past `vision_feature_layer`. They stay in the checkpoint so that conversion to `llava_next`
        is lossless."""
        modules = [self.vision_tower.post_layernorm, *self.vision_tower.encoder.layers[self._feature_depth :]]
        return modules + ([self.vision_tower.head] if getattr(self.vision_tower, "head", None) is not None else [])

    def freeze_unused_vision_modules(self):
        """Trainable parameters that never get a gradient make DDP fail, so training freezes them after loading."""
        for module in self.unused_vision_modules():
            module.requires_grad_(False)

    def get_input_embeddings(self):
        return self.language_model.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.language_model.set_input_embeddings(value)

    def _vision_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """Hidden state `vision_feature_layer` of the tower for each view: ``(views, tokens_per_tile, width)``.

        Only the layers up to the feature layer run: the rest of the tower and its head would be computed and
        thrown away.
        """
        hidden_states = self.vision_tower.embeddings(pixel_values.to(self.vision_tower.dtype))
        for layer in self.vision_tower.encoder.layers[: self._feature_depth]:
            hidden_states = layer(hidden_states, None)
        return hidden_states

    def _vision_outputs(self, pixel_values: torch.Tensor, **kwargs) -> BaseModelOutputWithPooling:
        """The tower's own forward with every hidden state (and attentions when asked), for probing and studies of
        the feature layer; `last_hidden_state` is the feature layer's output, the connector's input."""
        outputs = self.vision_tower(pixel_values.to(self.vision_tower.dtype), return_dict=True, **kwargs)
        outputs.last_hidden_state = outputs.hidden_states[self._feature_depth]
        return outputs

    def _arrange_image(self, features: torch.Tensor, image_size, grid) -> torch.Tensor:
        """One image's view features in reading order: thumbnail, then the un-padded grid with a newline per row."""
        rows, cols = grid
        side = self.config.tokens_per_side
        parts = []
        if self.config.use_thumbnail or rows == 0:
            parts.append(features[0])
            features = features[1:]
        if rows:
            width = features.shape[-1]
            grid_features = features.view(rows, cols, side, side, width).transpose(1, 2)
            grid_features = grid_features.reshape(rows * side, cols * side, width)
            top, height, left, kept_width = unpadded_feature_box(image_size, rows * side, cols * side)
            grid_features = grid_features[top : top + height, left : left + kept_width]
            newline = self.image_newline.to(grid_features.dtype).expand(height, 1, width)
            parts.append(torch.cat((grid_features, newline), dim=1).reshape(-1, width))
        return torch.cat(parts) if len(parts) > 1 else parts[0]

    @can_return_tuple
    def get_image_features(
        self,
        pixel_values: torch.Tensor | None,
        image_sizes: torch.Tensor | None = None,
        image_grids: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPooling | None:
        """Connector outputs per image, as `pooler_output`: a list of ``(num_image_tokens, text_width)`` tensors.

        None for a text-only batch (`generate` asks even when `pixel_values=None` was passed).

        Args:
            pixel_values: ``(total_views, 3, tile, tile)``, the views of all images one after the other.
            image_sizes: ``(num_images, 2)`` original ``[height, width]``.
            image_grids: ``(num_images, 2)`` ``[rows, cols]`` of tiles, ``[0, 0]`` for a single view.
            output_hidden_states / output_attentions: also return the tower's hidden states (embeddings, then each
                layer) and attention weights per view, as `llava_next` does; attention weights need an attention
                implementation that computes them (`eager`).
        """
        if pixel_values is None or pixel_values.shape[0] == 0:
            return None
        if image_sizes is None or image_grids is None:
            raise ValueError("pixel_values needs image_sizes and image_grids, as AmaliaVLProcessor returns them.")
        views_per_image = [num_views(grid, self.config.use_thumbnail) for grid in image_grids.tolist()]
        if sum(views_per_image) != pixel_values.shape[0]:
            raise ValueError(
                f"pixel_values has {pixel_values.shape[0]} views but image_grids describes {sum(views_per_image)}; "
                "pass the processor's pixel_values, image_sizes and image_grids together."
            )
        if output_hidden_states or output_attentions:
            outputs = self._vision_outputs(pixel_values, output_hidden_states=True, output_attentions=output_attentions)
        else:
            outputs = BaseModelOutputWithPooling(last_hidden_state=self._vision_features(pixel_values))
        per_image = torch.split(self.multi_modal_projector(outputs.last_hidden_state), views_per_image)
        outputs.pooler_output = [
            self._arrange_image(image, size, grid)
            for image, size, grid in zip(per_image, image_sizes.tolist(), image_grids.tolist())
        ]
        return outputs

    def _unused_vision_term(self, reference: torch.Tensor) -> torch.Tensor:
        """Zero that depends on every trainable vision and connector parameter, for batches without images.

        Under ZeRO-3 and FSDP every rank must gather the vision tower's weights every step, or the ranks that saw
        an image wait forever for those that did not.
        """
        tile = self.config.tile_size
        dummy = torch.zeros(1, 3, tile, tile, device=reference.device, dtype=reference.dtype)
        features = self.multi_modal_projector(self._vision_features(dummy))
        return (features.sum() + self.image_newline.sum()).to(reference.dtype) * 0.0

    def get_placeholder_mask(
        self, input_ids: torch.Tensor | None, inputs_embeds: torch.Tensor, image_features: torch.Tensor
    ) -> torch.Tensor:
        """Where the image features go; raises when `<image>` tokens and features disagree in number.

        Without `input_ids` (soft prompts, prompt tuning, servers that embed), the `<image>` positions are the ones
        whose embedding is the `<image>` token's own.
        """
        if input_ids is None:
            image_token = torch.tensor(self.config.image_token_id, device=inputs_embeds.device)
            mask = (inputs_embeds == self.get_input_embeddings()(image_token).to(inputs_embeds.dtype)).all(-1)
        else:
            mask = input_ids == self.config.image_token_id
        num_tokens, num_features = int(mask.sum()), image_features.shape[0]
        if num_tokens != num_features:
            raise ValueError(
                f"Image features and image tokens do not match: {num_tokens} `<image>` tokens in the input, "
                f"{num_features} image features. Build inputs with AmaliaVLProcessor, and do not truncate through "
                "image tokens."
            )
        return mask.unsqueeze(-1)

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        pixel_values: torch.Tensor | None = None,
        image_sizes: torch.LongTensor | None = None,
        image_grids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        use_cache: bool | None = None,
        mm_encoder_outputs: dict | None = None,
        **kwargs,
    ) -> AmaliaVLModelOutputWithPast:
        r"""
        kwargs:
            Passed to the language model: the KV cache (`cache`, or `past_key_values` before transformers 5.24),
            `output_hidden_states`, `output_attentions` and the attention kwargs of packed sequences.
        """
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("Pass exactly one of input_ids or inputs_embeds.")
        if use_cache is None and self.training:
            # A cache is useless in training, and with one transformers ignores the sample boundaries that the
            # restarting position_ids of packed sequences carry.
            use_cache = False
        if inputs_embeds is None:
            inputs_embeds = self.get_input_embeddings()(input_ids)

        image_outputs = (mm_encoder_outputs or {}).get("image")
        if image_outputs is None:
            image_outputs = self.get_image_features(pixel_values, image_sizes, image_grids)

        image_features = None
        if image_outputs is not None:
            image_features = torch.cat(image_outputs.pooler_output).to(inputs_embeds.device, inputs_embeds.dtype)
            mask = self.get_placeholder_mask(input_ids, inputs_embeds, image_features)
            inputs_embeds = inputs_embeds.masked_scatter(mask, image_features)
        elif self.training and torch.is_grad_enabled():
            inputs_embeds = inputs_embeds + self._unused_vision_term(inputs_embeds)

        outputs = self.language_model(
            attention_mask=attention_mask,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            return_dict=True,
            **kwargs,
        )
        return AmaliaVLModelOutputWithPast(**outputs, image_hidden_states=image_features)


class AmaliaVLForConditionalGeneration(AmaliaVLPreTrainedModel, GenerationMixin):
    """AMALIA-VL with its language-modelling head: what `AutoModel` and `AutoModelForImageTextToText` load."""

    _tied_weights_keys = {"lm_head.weight": "model.language_model.embed_tokens.weight"}
    # As `llava_next`: the head is split by columns and gathered; the towers bring their own plans from their configs.
    _tp_plan = {"lm_head": "colwise_gather_output"}

    def __init__(self, config: AmaliaVLConfig):
        super().__init__(config)
        self.model = AmaliaVLModel(config)
        self.lm_head = nn.Linear(config.text_config.hidden_size, config.text_config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self):
        return self.model.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.model.set_input_embeddings(value)

    def get_output_embeddings(self) -> nn.Module:
        return self.lm_head

    def set_output_embeddings(self, value):
        self.lm_head = value

    def get_image_features(self, pixel_values, image_sizes=None, image_grids=None, **kwargs):
        return self.model.get_image_features(pixel_values, image_sizes, image_grids, **kwargs)

    def freeze_unused_vision_modules(self):
        self.model.freeze_unused_vision_modules()

    def _ignore_non_text_labels(self, labels, input_ids, attention_mask):
        """Image placeholders and padding never count in the loss, whatever the collator did."""
        if input_ids is not None:
            labels = labels.masked_fill(input_ids == self.config.image_token_id, -100)
        if attention_mask is not None and attention_mask.dim() == 2:
            labels = labels.masked_fill(attention_mask == 0, -100)
        return labels

    @can_return_tuple
    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        pixel_values: torch.Tensor | None = None,
        image_sizes: torch.LongTensor | None = None,
        image_grids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.LongTensor | None = None,
        use_cache: bool | None = None,
        logits_to_keep: int | torch.Tensor = 0,
        mm_encoder_outputs: dict | None = None,
        **kwargs,
    ) -> AmaliaVLCausalLMOutputWithPast:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*):
            Next-token targets; -100 is ignored. Positions of `<image>` tokens and padding are ignored anyway.
        logits_to_keep (`int` or `torch.Tensor`):
            Compute logits for the last `logits_to_keep` positions only (0: all), which saves memory in generation.
        kwargs:
            Passed to the language model, the KV cache among them (`cache`, or `past_key_values` before 5.24).
        """
        outputs = self.model(
            input_ids=input_ids,
            pixel_values=pixel_values,
            image_sizes=image_sizes,
            image_grids=image_grids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            use_cache=use_cache,
            mm_encoder_outputs=mm_encoder_outputs,
            **kwargs,
        )
        hidden_states = outputs.last_hidden_state
        kept = slice(-logits_to_keep, None) if isinstance(logits_to_keep, int) else logits_to_keep
        logits = self.lm_head(hidden_states[:, kept, :])

        loss = None
        if labels is not None:
            labels = self._ignore_non_text_labels(labels, input_ids, attention_mask)
            loss = self.loss_function(
                logits=logits, labels=labels, vocab_size=self.config.text_config.vocab_size, **kwargs
            )
        # Everything the language model returned but its last hidden state, under the installed version's names.
        passed_on = {key: value for key, value in outputs.items() if key != "last_hidden_state"}
        return AmaliaVLCausalLMOutputWithPast(loss=loss, logits=logits, **passed_on)


__all__ = ["AmaliaVLForConditionalGeneration", "AmaliaVLModel", "AmaliaVLPreTrainedModel"]
