"""`transformers serve` on the `llava_next` export answers an image chat completion, through the `openai` client,
with the same greedy answer as our own `generate` on the same weights and the same prompt."""

import base64
import io

import pytest
import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor

from hub_release.convert_llava_next import convert
from hub_release.examples import draw_shapes


openai = pytest.importorskip("openai", reason="the serving test needs the openai client (the test extra)")

QUESTION = "Que formas e cores vês nesta imagem?"
MAX_TOKENS = 12


def data_url(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def messages(image_url: str) -> list[dict]:
    return [
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": image_url}}, {"type": "text", "text": QUESTION}],
        }
    ]


def decoded(image_url: str) -> Image.Image:
    """The image as the server decodes the data URL it receives."""
    return Image.open(io.BytesIO(base64.b64decode(image_url.split(",", 1)[1])))


def our_greedy_answer(checkpoint, image_url: str) -> tuple[str, list[int]]:
    """Our classes on the served weights (converted back from the export), the same chat, greedy."""
    model = AutoModelForImageTextToText.from_pretrained(checkpoint, trust_remote_code=True).eval()
    processor = AutoProcessor.from_pretrained(checkpoint, trust_remote_code=True)
    chat = [
        {
            "role": "user",
            "content": [{"type": "image", "image": decoded(image_url)}, {"type": "text", "text": QUESTION}],
        }
    ]
    inputs = processor.apply_chat_template(
        chat, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    )
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=MAX_TOKENS, do_sample=False)
    new = output[0, inputs["input_ids"].shape[1] :]
    return processor.decode(new, skip_special_tokens=True), new.tolist()


def test_served_export_answers_as_our_generate(served_tiny_vlm, tmp_path):
    url = data_url(draw_shapes())
    client = openai.OpenAI(base_url=served_tiny_vlm.base_url, api_key="unused", max_retries=0, timeout=300)
    reply = client.chat.completions.create(
        model=served_tiny_vlm.model, messages=messages(url), max_tokens=MAX_TOKENS, temperature=0.0
    )
    served = reply.choices[0].message.content

    ours = tmp_path / "ours"
    convert(served_tiny_vlm.model, ours)  # the served llava_next weights, into our classes
    expected, tokens = our_greedy_answer(ours, url)
    assert expected.strip(), tokens  # a real answer to compare, not two empty strings
    assert served == expected, (served, expected, tokens)
