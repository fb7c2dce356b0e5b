"""What sharded training needs beyond the accelerate configs (`configs/accelerate/`)."""

from transformers import TrainerCallback


class GatherFusedLMHead(TrainerCallback):
    """Under FSDP2, gather `lm_head` at the start of every forward of the model.

    TRL's trainers compute the loss with a fused head (`trl.trainer.utils.add_fused_lm_head`) that reads
    `lm_head.weight` without calling `lm_head`. accelerate shards `lm_head` as an FSDP2 unit of its own, together with
    the final norm only when that norm is a direct child of the base model (text-only Llama; ours sits inside
    `language_model`, as in every transformers VLM). The unit's pre-forward gather then never fires, TRL gathers the
    sharded weight with `DTensor.full_tensor()`, and the backward of that hands each rank the gradient of its own batch
    for its own shard, never reduced across ranks: `lm_head` silently trains on 1/world of the data, scaled by world.
    Gathered here, TRL reads a plain tensor, and FSDP2's end-of-backward callback reduce-scatters its gradient as it
    does for any unit whose forward did not run. Nothing happens without FSDP2 (DDP, ZeRO-3, one process).
    """

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        from torch.distributed.fsdp import FSDPModule

        head = model.get_output_embeddings()
        if isinstance(head, FSDPModule) and not getattr(model, "_gathers_fused_lm_head", False):
            model.register_forward_pre_hook(lambda module, inputs: head.unshard())
            model._gathers_fused_lm_head = True  # once, also when train() runs again (resume)
