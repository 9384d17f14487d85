package dev.timens.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Lays out a classic-BPF program whose jumps name {@link Label}s instead of
 * offsets.
 *
 * <p>A conditional jump encodes its offsets in 8 bits, so it reaches at most 255
 * instructions ahead. When a target ends up further away, {@link #assemble()}
 * points the branch at a {@code BPF_JA} placed right after the jump ("trampoline"),
 * whose 32-bit offset reaches anywhere. Inserting a trampoline lengthens every jump
 * that crosses it, which can push another jump out of range, so layout repeats until
 * nothing moves; it ends because each branch gets at most one trampoline.
 *
 * <p>Only forward jumps exist in classic BPF; a label bound before the jump that
 * names it is a bug in the caller and fails at assembly.
 */
final class BpfAssembler {

    /** A place in the program: the instruction emitted after {@link #bind}. */
    static final class Label {
        private Node node;
    }

    private static final class Node {
        final int code;
        final int k;
        Label ifTrue; // conditional jumps; the target of BPF_JA
        Label ifFalse; // conditional jumps only
        int position;

        Node(int code, int k, Label ifTrue, Label ifFalse) {
            this.code = code;
            this.k = k;
            this.ifTrue = ifTrue;
            this.ifFalse = ifFalse;
        }

        boolean isConditional() {
            return ifFalse != null;
        }

        boolean isGoto() {
            return ifTrue != null && ifFalse == null;
        }
    }

    private List<Node> nodes = new ArrayList<>();
    private final List<Label> unbound = new ArrayList<>();

    Label newLabel() {
        return new Label();
    }

    /** Makes {@code label} name the next instruction emitted. */
    void bind(Label label) {
        if (label.node != null || unbound.contains(label)) {
            throw new IllegalStateException("label bound twice");
        }
        unbound.add(label);
    }

    /** A non-jumping instruction. */
    void stmt(int code, int k) {
        emit(new Node(code, k, null, null));
    }

    /**
     * A conditional jump; a {@code null} target means the instruction emitted next
     * (offset 0).
     */
    void jump(int code, int k, Label ifTrue, Label ifFalse) {
        Label next = null;
        if (ifTrue == null || ifFalse == null) {
            next = newLabel();
        }
        emit(new Node(code, k, ifTrue != null ? ifTrue : next, ifFalse != null ? ifFalse : next));
        if (next != null) {
            bind(next);
        }
    }

    /** An unconditional {@code BPF_JA}. */
    void jumpAlways(Label target) {
        emit(new Node(BpfInstruction.JMP_JA, 0, target, null));
    }

    /** Resolves every label to an offset, adding trampolines where needed. */
    List<BpfInstruction> assemble() {
        if (!unbound.isEmpty()) {
            throw new IllegalStateException("label bound after the last instruction");
        }
        boolean grew;
        do {
            number();
            grew = false;
            List<Node> laidOut = new ArrayList<>(nodes.size());
            for (Node n : nodes) {
                laidOut.add(n);
                if (!n.isConditional()) {
                    continue;
                }
                if (distance(n, n.ifTrue) > BpfInstruction.MAX_CONDITIONAL_OFFSET) {
                    n.ifTrue = trampoline(n.ifTrue, laidOut);
                    grew = true;
                }
                if (distance(n, n.ifFalse) > BpfInstruction.MAX_CONDITIONAL_OFFSET) {
                    n.ifFalse = trampoline(n.ifFalse, laidOut);
                    grew = true;
                }
            }
            nodes = laidOut;
        } while (grew);

        number();
        List<BpfInstruction> program = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            if (n.isConditional()) {
                program.add(BpfInstruction.jump(n.code, n.k, distance(n, n.ifTrue), distance(n, n.ifFalse)));
            } else if (n.isGoto()) {
                program.add(BpfInstruction.stmt(n.code, distance(n, n.ifTrue)));
            } else {
                program.add(BpfInstruction.stmt(n.code, n.k));
            }
        }
        return List.copyOf(program);
    }

    private void emit(Node node) {
        for (Label l : unbound) {
            l.node = node;
        }
        unbound.clear();
        nodes.add(node);
    }

    private void number() {
        for (int i = 0; i < nodes.size(); i++) {
            nodes.get(i).position = i;
        }
    }

    /** A BPF_JA to {@code target}, appended to {@code laidOut}; returns its label. */
    private static Label trampoline(Label target, List<Node> laidOut) {
        Node ja = new Node(BpfInstruction.JMP_JA, 0, target, null);
        Label here = new Label();
        here.node = ja;
        laidOut.add(ja);
        return here;
    }

    private static int distance(Node from, Label to) {
        if (to.node == null) {
            throw new IllegalStateException("jump to a label that was never bound");
        }
        int d = to.node.position - from.position - 1;
        if (d < 0) {
            throw new IllegalStateException("backward jump: classic BPF only jumps forward");
        }
        return d;
    }
}
