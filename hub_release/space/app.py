"""AMALIA-VL demo: upload an image, ask in pt-PT, read the answer as it is written. A Gradio app in the Spaces layout.

    AMALIA_VL_MODEL=me/AMALIA-VL-SFT python hub_release/space/app.py      # or a local checkpoint folder

The model is AMALIA_VL_MODEL, else the repository named in model.txt beside this file (release.py --space-id
writes it). GRADIO_SERVER_NAME / GRADIO_SERVER_PORT choose where it listens (Gradio's own variables).
"""

import json
import os
from functools import partial
from pathlib import Path
from threading import Thread

import gradio as gr
import torch
from transformers import AutoModelForImageTextToText, AutoProcessor, TextIteratorStreamer


HERE = Path(__file__).resolve().parent


def model_id() -> str:
    if os.environ.get("AMALIA_VL_MODEL"):
        return os.environ["AMALIA_VL_MODEL"]
    if (HERE / "model.txt").exists():
        return (HERE / "model.txt").read_text().strip()
    raise SystemExit("Set AMALIA_VL_MODEL to a checkpoint (a Hub id or a folder), or write it in model.txt.")


def pt_pt_examples() -> list[list[str]]:
    """[image path, question] pairs from examples.json (release.py --space-id writes it with the images)."""
    listing = HERE / "examples.json"
    if not listing.exists():
        return []
    return [[str(HERE / entry["image"]), entry["question"]] for entry in json.loads(listing.read_text())]


def load(model_name: str):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = AutoModelForImageTextToText.from_pretrained(model_name, trust_remote_code=True, dtype=dtype)
    processor = AutoProcessor.from_pretrained(model_name, trust_remote_code=True)
    return model.to(device).eval(), processor


def answer_stream(model, processor, image, question: str, max_tiles: int, max_new_tokens: int):
    """Yields the answer so far, token by token: generation runs in a thread and feeds a TextIteratorStreamer."""
    if image is None:
        raise gr.Error("Carrega uma imagem primeiro.")
    if not question or not question.strip():
        raise gr.Error("Escreve uma pergunta sobre a imagem.")
    chat = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question.strip()}]}]
    prompt = processor.apply_chat_template(chat, add_generation_prompt=True)
    inputs = processor(images=[image], text=prompt, max_tiles=int(max_tiles), return_tensors="pt")
    inputs = inputs.to(model.device, dtype=model.dtype)
    streamer = TextIteratorStreamer(processor.tokenizer, skip_prompt=True, skip_special_tokens=True)
    settings = dict(**inputs, streamer=streamer, max_new_tokens=int(max_new_tokens), do_sample=False)
    thread = Thread(target=model.generate, kwargs=settings, daemon=True)
    thread.start()
    text = ""
    for piece in streamer:
        text += piece
        yield text.strip()
    thread.join()


def demo(model, processor) -> gr.Blocks:
    max_tiles = processor.image_processor.max_tiles
    with gr.Blocks(title="AMALIA-VL") as app:
        gr.Markdown("# AMALIA-VL\nPergunta, em português europeu, o que quiseres sobre uma imagem.")
        with gr.Row():
            with gr.Column():
                image = gr.Image(type="pil", label="Imagem", elem_id="imagem")
                question = gr.Textbox(label="Pergunta", placeholder="O que se vê nesta imagem?", elem_id="pergunta")
                tiles = gr.Slider(1, max_tiles, value=max_tiles, step=1, label="Máximo de mosaicos (tiles)")
                length = gr.Slider(8, 1024, value=256, step=8, label="Comprimento máximo da resposta (tokens)")
                ask = gr.Button("Perguntar", variant="primary", elem_id="perguntar")
            answer = gr.Textbox(label="Resposta", lines=12, elem_id="resposta")
        if examples := pt_pt_examples():
            gr.Examples(examples, inputs=[image, question], label="Exemplos")
        inputs = [image, question, tiles, length]
        respond = partial(answer_stream, model, processor)  # still a generator function: Gradio streams it
        ask.click(respond, inputs, answer)
        question.submit(respond, inputs, answer)
    return app


if __name__ == "__main__":
    demo(*load(model_id())).queue().launch()
