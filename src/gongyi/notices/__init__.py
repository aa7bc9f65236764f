"""The public face: notices (通知公告) and the pages administrators write (the application guide)."""
