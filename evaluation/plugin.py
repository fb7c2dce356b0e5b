"""The `lmms_eval.models` entry point: registers `--model amalia_vl` with lmms-eval.

It must import nothing but the manifest class. lmms-eval loads entry points while `lmms_eval.models` is still
initialising; a plugin module that imports `lmms_eval.protocol` (as `evaluation.model` does) then hits a circular
import, which the registry catches and logs as a warning, and the model silently disappears. The model class is
named by its path and imported only when a run asks for it.
"""

from lmms_eval.models.registry_v2 import ModelManifest


MANIFEST = ModelManifest(model_id="amalia_vl", chat_class_path="evaluation.model.AmaliaVLEval")
