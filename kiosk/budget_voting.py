"""Voting in the budget at the kiosk: the resident types the one-time code the village office gave them, hears
each project with its cost (and the money left), answers yes or no, hears the whole ballot read back and casts
it. The ballot is kept in the outbox and delivered when there is a connection. A part of the kiosk's ``Machine``.

The ballots come with the content the kiosk keeps (``content["budgets"]``), so all of this works offline; the
server checks the code when the ballot arrives."""

#: Digits of a ballot code (``budgeting.in_person.CODE_DIGITS`` on the server).
BALLOT_CODE_DIGITS = 8


def yuan(minor: int) -> str:
    """Fen as yuan, the way it is read aloud: "12,500" or "12,500.50"."""
    whole, fen = divmod(int(minor), 100)
    return f"{whole:,}" + (f".{fen:02d}" if fen else "")


class BudgetVoting:
    """The steps of ``Machine`` for a budget ballot (its state: screen, ballot, ballot_code, ...)."""

    def _reset_ballot(self):
        #: The cycle being voted on (as the content gives it), or None.
        self.ballot = None
        self.ballot_code = ""
        #: (part, project) in the order they are asked about.
        self.ballot_items = []
        self.ballot_index = 0
        #: Ids of the projects answered yes.
        self.ballot_yes = set()

    def _ballot_fingerprint(self):
        return self.ballot_index, tuple(sorted(self.ballot_yes))

    def vote(self):
        """"Vote in the budget": type the code from the village office."""
        with self.lock:
            self._reset()
            budgets = self.content.get("budgets") or []
            if not budgets:
                self.screen = "ballot_none"
                self._say(self._t("There is no budget vote here now."))
                return
            self.ballot, self.screen = budgets[0], "ballot_code"
            self._say(self._t("Type the ballot code the village office gave you, then touch Next."))

    def ballot_key(self, key):
        with self.lock:
            self.touch()
            self.message = None
            if key == "back":
                self.ballot_code = self.ballot_code[:-1]
            elif key.isdigit() and len(key) == 1 and len(self.ballot_code) < BALLOT_CODE_DIGITS:
                self.ballot_code += key

    def ballot_start(self):
        """The code is typed: the projects, one at a time."""
        with self.lock:
            self.touch()
            if self.screen not in ("ballot_code", "ballot_review") or self.ballot is None:
                return
            if len(self.ballot_code) != BALLOT_CODE_DIGITS:
                self.message = self._t("The ballot code has eight digits.")
                self._say(self.message)
                return
            self.ballot_items = [(part, project) for part in self.ballot["parts"] for project in part["projects"]]
            self.ballot_index, self.ballot_yes, self.message = 0, set(), None
            self.screen = "ballot_project"
            self._ask_project()

    def money_left(self, part) -> int:
        chosen = {p["id"] for p in part["projects"]} & self.ballot_yes
        return part["amount_minor"] - sum(p["cost_minor"] for p in part["projects"] if p["id"] in chosen)

    def fits(self, part, project) -> bool:
        """Whether answering yes keeps the ballot within the cycle's limits."""
        if self.ballot.get("limits_money") and project["cost_minor"] > self.money_left(part):
            return False
        most = self.ballot.get("max_choices")
        return not most or len({p["id"] for p in part["projects"]} & self.ballot_yes) < most

    def current(self):
        return self.ballot_items[self.ballot_index]

    def _ask_project(self):
        part, project = self.current()
        said = [self._t("Project %(n)d of %(total)d, for %(part)s: %(title)s. It costs %(cost)s yuan.",
                        n=self.ballot_index + 1, total=len(self.ballot_items), part=part["name"],
                        title=project["title"], cost=yuan(project["cost_minor"]))]
        if self.ballot.get("limits_money"):
            said.append(self._t("Money left: %(left)s yuan.", left=yuan(self.money_left(part))))
        if self.fits(part, project):
            said.append(self._t("Touch Yes to choose it, or No."))
        else:
            said.append(self._t("This project no longer fits in your ballot. Touch Next."))
        self._say(" ".join(said))

    def ballot_answer(self, yes: bool):
        with self.lock:
            self.touch()
            if self.screen != "ballot_project":
                return
            part, project = self.current()
            if yes and self.fits(part, project):
                self.ballot_yes.add(project["id"])
            self.ballot_index += 1
            if self.ballot_index < len(self.ballot_items):
                self._ask_project()
                return
            self.screen = "ballot_review"
            self._say(self._read_back() + " " + self._t("If that is right, touch Cast my ballot. To change it, "
                                                        "touch Start again."))

    def chosen_in(self, part) -> list:
        return [p for p in part["projects"] if p["id"] in self.ballot_yes]

    def _read_back(self) -> str:
        said = [self._t("Your ballot:")]
        for part in self.ballot["parts"]:
            titles = [p["title"] for p in self.chosen_in(part)]
            said.append(self._t("For %(part)s: %(titles)s.", part=part["name"],
                                titles=", ".join(titles) if titles else self._t("no project")))
        return " ".join(said)

    def ballot_cast(self):
        """Keep the ballot (it survives a power cut) and deliver it when there is a connection."""
        with self.lock:
            self.touch()
            if self.screen != "ballot_review":
                return
            self.outbox.ballots.add(cycle_id=self.ballot["cycle_id"], code=self.ballot_code, parts=[
                {"part_id": part["id"], "projects": sorted(p["id"] for p in self.chosen_in(part))}
                for part in self.ballot["parts"]])
            self.wake_sync.set()
            self._reset()
            self.screen = "ballot_cast"
            self._say(self._t("Thank you. Your ballot is kept and will be delivered. The code cannot be used "
                              "again."))
