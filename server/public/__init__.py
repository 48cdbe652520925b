"""Pages anyone may read: home, proposals, appeals and their board, projects, the dashboard. Signed-in residents act
on the same pages (support, send an appeal); officials' project steps live with the project pages."""
