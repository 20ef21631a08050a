"""The sandbox's attachments: files uploaded to an opportunity or a quotation (multipart
``formFile``), listed and deleted as the published ``/v2/system/attachments`` calls do. The bytes
are kept; answers carry ``AttachmentOutputDto`` fields only, the snapshot a SHA-256 and a size.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePosixPath

from adapters.sandboxes.kaseya_bms.query import Query, page
from adapters.sandboxes.kaseya_bms.schema import KaseyaRefusal, not_found
from adapters.sandboxes.kaseya_bms.seed import API_USER, Record
from adapters.sandboxes.kaseya_bms.store import KaseyaStore


class Attachments:
    """Attachments of opportunities and quotations, under the instance's module numbers."""

    def __init__(self, store: KaseyaStore) -> None:
        self._store = store

    def listed(self, module_id: int, object_id: int, query: Query) -> tuple[list[Record], int]:
        with self._store.lock:
            self._attached_to(module_id, object_id)
            found = [
                a
                for a in self._store.db.attachments.values()
                if (a["ModuleId"], a["ObjectId"]) == (module_id, object_id)
            ]
            return page(found, query)

    def add(
        self, module_id: int, object_id: int, name: str, content_type: str, content: bytes
    ) -> Record:
        if not content:
            raise KaseyaRefusal(400, "The file is empty")
        with self._store.lock:
            self._attached_to(module_id, object_id)
            attachment_id = self._store.db.next_id()
            suffix = PurePosixPath(name).suffix
            record = {
                "Id": attachment_id,
                "OriginalFileName": name,
                "AliasName": f"{uuid.uuid4().hex}{suffix}",
                "FileType": suffix.lstrip(".").lower() or None,
                "ObjectId": object_id,
                "ModuleId": module_id,
                "Url": f"/v2/system/attachments/{module_id}/{object_id}/{attachment_id}/download",
                "CreatedById": API_USER["Id"],
                "CreatedByName": API_USER["Name"],
                "CreatedOn": self._store.now(),
                "IsUploadedToBlob": True,
                "ContentType": content_type,  # the sandbox's: not answered
                "Size": len(content),
                "Sha256": hashlib.sha256(content).hexdigest(),
            }
            self._store.db.attachments[attachment_id] = record
            self._store.db.blobs[attachment_id] = content
            return record

    def delete(self, module_id: int, object_id: int, attachment_id: int) -> None:
        with self._store.lock:
            found = self._store.db.attachments.get(attachment_id)
            if found is None or (found["ModuleId"], found["ObjectId"]) != (module_id, object_id):
                raise not_found("Attachment", attachment_id)
            del self._store.db.attachments[attachment_id]
            del self._store.db.blobs[attachment_id]

    def content(self, attachment_id: int) -> bytes:
        """An attachment's bytes (for tests in the same process)."""
        with self._store.lock:
            return self._store.db.blobs[attachment_id]

    def _attached_to(self, module_id: int, object_id: int) -> None:
        modules = self._store.instance.modules
        named = {number: name for name, number in modules.items()}
        tables = {"opportunity": "opportunities", "quotation": "quotes"}
        name = named.get(module_id)
        if name not in tables:
            raise KaseyaRefusal(400, f"The module {module_id} takes no attachments here")
        if object_id not in getattr(self._store.db, tables[name]):
            raise not_found(name.capitalize(), object_id)
