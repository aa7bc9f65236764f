from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gongyi.db import Base


class Category(Base):
    """A category of the service catalogue (服务目录); codes 01-31."""

    __tablename__ = "category"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))

    items: Mapped[list[Item]] = relationship(back_populates="category", order_by="Item.code")


class Item(Base):
    """A service item a community can order; code NN.MM is item MM of category NN."""

    __tablename__ = "item"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))
    description_zh: Mapped[str] = mapped_column(Text, default="")

    category: Mapped[Category] = relationship(back_populates="items")


class CatalogueVersion(Base):
    """One row: a token that database triggers change with every write to a category or an item
    (migration 0042), so a process may keep the catalogue it read under the token."""

    __tablename__ = "catalogue_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
