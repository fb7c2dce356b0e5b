"""Runs inside the release check's clean process (`python -I -S load_check.py RUNTIME_PATH RELEASE_DIR QUESTION
IMAGE`): only RUNTIME_PATH and the standard library are importable, so the release's own code files must do the
work. Loads the release every way a user would and answers a pt-PT question about an image; prints a JSON summary.
Standard library and the runtime dependencies only: this file is never imported by the project."""

import json
import sys


def main(runtime_path: str, release: str, question: str, image: str) -> dict:
    sys.path.insert(0, runtime_path)
    import torch
    from PIL import Image
    from transformers import AutoModel, AutoModelForImageTextToText, AutoProcessor, pipeline

    model = AutoModelForImageTextToText.from_pretrained(release, trust_remote_code=True, dtype="auto").eval()
    base = AutoModel.from_pretrained(release, trust_remote_code=True, dtype="auto")
    processor = AutoProcessor.from_pretrained(release, trust_remote_code=True)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True)
    inputs = processor(images=[Image.open(image)], text=prompt, return_tensors="pt").to(model.device, model.dtype)
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    new_tokens = output.shape[1] - inputs["input_ids"].shape[1]

    answerer = pipeline("image-text-to-text", model=release, trust_remote_code=True, dtype="auto")
    chat = [{"role": "user", "content": [{"type": "image", "url": image}, {"type": "text", "text": question}]}]
    reply = answerer(text=chat, max_new_tokens=8, do_sample=False, return_full_text=False)[0]["generated_text"]
    return {
        "model_class": f"{type(model).__module__}.{type(model).__name__}",
        "base_class": f"{type(base).__module__}.{type(base).__name__}",
        "processor_class": type(processor).__name__,
        "new_tokens": int(new_tokens),
        "answer": processor.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True),
        "pipeline_answer": reply,
        "project_modules": sorted(name for name in sys.modules if name.split(".")[0] in ("amalia_vl", "hub_release")),
    }


if __name__ == "__main__":
    print("RELEASE-CHECK " + json.dumps(main(*sys.argv[1:5]), ensure_ascii=False))
