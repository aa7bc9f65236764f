"""A call package uploaded on the import page: imported all or nothing, its problems as UserErrors."""
from __future__ import annotations

import os
import tempfile
from typing import Any

from sqlalchemy.orm import Session

from gongyi.errors import N_, UserError, UserErrors
from gongyi.results.importer import ImportReport, import_call_package
from gongyi.results.package import PackageError


def import_uploaded_package(session: Session, actor: Any, filename: str | None, data: bytes, *,
                            max_unpacked: int | None = None) -> ImportReport:
    """Import the uploaded .zip of at most `max_unpacked` bytes unpacked; raises UserErrors naming
    `package` with every problem of the package (each `file:line: reason`, as the command line
    reports them). Nothing is kept then: the caller rolls back."""
    if not filename:
        raise UserError(N_("请选择一个 .zip 文件"), "package")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "package.zip")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            return import_call_package(session, actor, path, max_unpacked)
        except PackageError as exc:
            raise UserErrors([UserError(problem, "package") for problem in exc.problems or [str(exc)]]) from None
