"""What sharded training needs beyond the accelerate configs (`configs/accelerate/`)."""

from transformers import TrainerCallback


class FSDP2Fixes(TrainerCallback):
    """Two fixes to the model once accelerate has wrapped it in FSDP2; nothing happens without FSDP2.

    1. `lm_head` is gathered at the start of every forward. TRL's trainers compute the loss with a fused head
       (`trl.trainer.utils.add_fused_lm_head`) that reads `lm_head.weight` without calling `lm_head`. accelerate shards
       `lm_head` as an FSDP2 unit of its own (together with the final norm only when that norm is a direct child of
       the base model: text-only Llama; ours sits inside `language_model`, as in every transformers VLM), so the unit's
       pre-forward gather never fires. TRL then gathers the sharded weight with `DTensor.full_tensor()`, whose backward
       hands each rank the gradient of its own batch for its own shard, never reduced across ranks: `lm_head` silently
       trains on 1/world of the data, scaled by world. Gathered here, TRL reads a plain tensor and FSDP2's
       end-of-backward callback reduce-scatters its gradient, as for any unit whose forward did not run.
    2. The model saves as the class it is. FSDP2 swaps the model's class for a subclass it makes,
       `FSDPAmaliaVLForConditionalGeneration`, defined in torch; `save_pretrained` copies the file that defines the
       class and names it in `auto_map`, so every checkpoint held torch's FSDP sources instead of
       `modeling_amalia_vl.py` and did not load. The subclass takes its base's name and module (FSDP2 tells its
       classes apart by `isinstance`, never by name).
    """

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        from torch.distributed.fsdp import FSDPModule

        if not isinstance(model, FSDPModule) or getattr(model, "_fsdp2_fixed", False):
            return
        head = model.get_output_embeddings()
        if isinstance(head, FSDPModule):
            model.register_forward_pre_hook(lambda module, inputs: head.unshard())
        wrapper = type(model)
        wrapped = next(cls for cls in wrapper.__mro__ if not issubclass(cls, FSDPModule))
        wrapper.__name__, wrapper.__qualname__, wrapper.__module__ = (
            wrapped.__name__,
            wrapped.__qualname__,
            wrapped.__module__,
        )
        model._fsdp2_fixed = True  # once, also when train() runs again (resume)
