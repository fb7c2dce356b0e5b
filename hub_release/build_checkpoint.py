"""Assemble an initial AMALIA-VL checkpoint from a SigLIP2 vision tower and a causal language model.

    # the real model: SigLIP2-so400m-patch16-384 + AMALIA-9B-0626-DPO (a machine with ~40 GB of RAM)
    python hub_release/build_checkpoint.py --vision google/siglip2-so400m-patch16-384 \
        --llm amalia-llm/AMALIA-9B-0626-DPO checkpoints/amalia-vl-init

    # a tiny random model with a tokenizer trained here (a few MB, no download): tests, examples, the default run
    python hub_release/build_checkpoint.py --tiny checkpoints/amalia-vl-tiny

The vision tower is cut below its last layer and loses its head (the penultimate layer feeds the connector, and no
parameter is left unused), `<image>` is added to the vocabulary with embedding rows drawn from the statistics of the
existing ones, the connector and `image_newline` start fresh, and the output directory holds safetensors shards,
config, processor, tokenizer and the three code files: it loads with `trust_remote_code=True` anywhere.
"""

import argparse
import logging
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    SiglipVisionConfig,
    SiglipVisionModel,
)

from amalia_vl import AmaliaVLConfig, AmaliaVLForConditionalGeneration, AmaliaVLImageProcessor, AmaliaVLProcessor
from modeling_amalia_vl import AmaliaVLMultiModalProjector


logger = logging.getLogger("build_checkpoint")

IMAGE_TOKEN = "<image>"
CHATML_TOKENS = ["<|im_start|>", "<|im_end|>"]

# The tiny tokenizer learns its merges from this pt-PT text, so pt-PT words take few tokens.
TINY_CORPUS = """
Olá! Esta imagem mostra um quadrado vermelho, um círculo azul e um triângulo verde sobre um fundo branco.
Quantos objetos há na imagem? Há três objetos. Qual é a cor do círculo? O círculo é azul.
Que texto está escrito na imagem? Está escrito «Lisboa». O gráfico de barras mostra as vendas de cada mês.
Em que mês foram as vendas mais altas? Foram em março. Estou a ler o documento com atenção.
O autocarro parou junto à paragem. A rapariga comprou um pequeno-almoço na pastelaria da esquina.
Descreve a imagem em pormenor. Responde apenas com uma palavra. Sim. Não. Verdadeiro. Falso.
Zero, um, dois, três, quatro, cinco, seis, sete, oito, nove, dez, onze, doze.
Vermelho, azul, verde, amarelo, preto, branco, laranja, roxo, cor-de-rosa, castanho, cinzento.
Quadrado, círculo, triângulo, retângulo, estrela, linha, seta, ponto, coração.
A fatura tem o número 2024/117, a data de 3 de maio e o total de 45,90 euros.
def soma(a, b): return a + b  # O resultado de soma(2, 3) é 5.
"""


def tiny_tokenizer(vocab_size: int = 1024) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer trained here on `TINY_CORPUS`: any text encodes, nothing is downloaded."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<pad>", "<s>", *CHATML_TOKENS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(TINY_CORPUS.strip().splitlines() * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="<|im_end|>", pad_token="<pad>"
    )


def tiny_components(seed: int = 0) -> tuple[SiglipVisionModel, LlamaForCausalLM, PreTrainedTokenizerFast]:
    """A random SigLIP tower (64 px tiles of 16 px patches: 16 tokens a tile) and a random 2-layer Llama."""
    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    vision = SiglipVisionModel(
        SiglipVisionConfig(
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            patch_size=16,
            image_size=64,
            hidden_act="gelu_pytorch_tanh",
            layer_norm_eps=1e-6,
            vision_use_head=False,
        )
    )
    language_model = LlamaForCausalLM(
        LlamaConfig(
            hidden_size=128,
            intermediate_size=256,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=4096,
            rms_norm_eps=1e-5,
            tie_word_embeddings=False,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )
    return vision, language_model, tokenizer


def cut_vision_tower(vision_id: str, dtype: torch.dtype) -> SiglipVisionModel:
    """The SigLIP2 tower without its last layer and head: its penultimate layer becomes its output."""
    config = AutoConfig.from_pretrained(vision_id)
    config = getattr(config, "vision_config", config)
    config.num_hidden_layers -= 1
    config.vision_use_head = False
    return SiglipVisionModel.from_pretrained(vision_id, config=config, dtype=dtype)


def add_image_token(language_model, tokenizer) -> int:
    """Adds `<image>` to the vocabulary; its embedding rows are drawn from the existing rows' mean and covariance."""
    if IMAGE_TOKEN not in tokenizer.get_vocab():
        tokenizer.add_tokens([IMAGE_TOKEN], special_tokens=True)
    language_model.resize_token_embeddings(len(tokenizer), mean_resizing=True)
    return tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)


def assemble(vision: SiglipVisionModel, language_model, tokenizer, max_tiles: int = 12) -> AmaliaVLProcessor:
    """The AMALIA-VL model (weights moved, not copied) and its processor."""
    image_token_id = add_image_token(language_model, tokenizer)
    config = AmaliaVLConfig(
        vision_config=vision.config.to_dict(),
        text_config=language_model.config.to_dict(),
        image_token_id=image_token_id,
        tile_size=vision.config.image_size,
        max_tiles=max_tiles,
        tie_word_embeddings=language_model.config.tie_word_embeddings,
    )
    with torch.device("meta"):
        model = AmaliaVLForConditionalGeneration(config)
    fresh = AmaliaVLMultiModalProjector(config).to(language_model.dtype)
    newline = torch.randn(config.text_config.hidden_size) / config.text_config.hidden_size**0.5
    state = {f"model.vision_tower.{name}": value for name, value in vision.state_dict().items()}
    state |= {f"model.language_model.{name}": value for name, value in language_model.model.state_dict().items()}
    state |= {f"model.multi_modal_projector.{name}": value for name, value in fresh.state_dict().items()}
    state["model.image_newline"] = newline.to(language_model.dtype)
    state["lm_head.weight"] = language_model.get_output_embeddings().weight
    model.load_state_dict(state, strict=True, assign=True)
    model.tie_weights()
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.bos_token_id = tokenizer.bos_token_id

    # Generation appends on the right, so prompts are padded on the left.
    tokenizer.padding_side = tokenizer.init_kwargs["padding_side"] = "left"
    image_processor = AmaliaVLImageProcessor(
        tile_size=config.tile_size, max_tiles=max_tiles, patch_size=config.vision_config.patch_size
    )
    processor = AmaliaVLProcessor(image_processor=image_processor, tokenizer=tokenizer)
    return model, processor


def save(model, processor, output_dir: Path):
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir, max_shard_size="5GB")
    processor.save_pretrained(output_dir)
    logger.info("wrote %s (%.1f M parameters)", output_dir, model.num_parameters() / 1e6)


def build_tiny(output_dir: Path, seed: int = 0, max_tiles: int = 12) -> Path:
    vision, language_model, tokenizer = tiny_components(seed)
    model, processor = assemble(vision, language_model, tokenizer, max_tiles=max_tiles)
    save(model, processor, output_dir)
    return output_dir


def build_real(vision_id: str, llm_id: str, output_dir: Path, dtype: torch.dtype = torch.bfloat16) -> Path:
    vision = cut_vision_tower(vision_id, dtype)
    language_model = AutoModelForCausalLM.from_pretrained(llm_id, dtype=dtype)
    tokenizer = AutoTokenizer.from_pretrained(llm_id)
    model, processor = assemble(vision, language_model, tokenizer)
    save(model, processor, output_dir)
    return output_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--tiny", action="store_true", help="a tiny random model with a locally trained tokenizer")
    parser.add_argument("--vision", help="SigLIP2 checkpoint (path or Hub id), e.g. google/siglip2-so400m-patch16-384")
    parser.add_argument("--llm", help="language model (path or Hub id), e.g. amalia-llm/AMALIA-9B-0626-DPO")
    parser.add_argument("--max-tiles", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.tiny:
        build_tiny(args.output_dir, seed=args.seed, max_tiles=args.max_tiles)
    elif args.vision and args.llm:
        build_real(args.vision, args.llm, args.output_dir)
    else:
        parser.error("pass --tiny, or both --vision and --llm")


if __name__ == "__main__":
    main()
